// Package oracle finds the real programs (java, curl, python3,
// systemd-analyze, openssl, …) that proxykit's tests use as oracles.
//
// A test asks for a tool with [Require]. Where the tool is missing the test
// is skipped, unless the environment variable PROXYKIT_REQUIRE_ORACLES is set
// (CI sets it after installing every tool), in which case it fails: in CI an
// oracle test that silently skips proves nothing.
package oracle

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// EnvRequire names the environment variable that turns a missing oracle from
// a skip into a failure.
const EnvRequire = "PROXYKIT_REQUIRE_ORACLES"

// Require returns the absolute path of the named program, looked up in PATH.
// Where it is missing, it skips t, or fails t when [EnvRequire] is set.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(EnvRequire) != "" {
			t.Fatalf("oracle %s is required (%s is set) but missing: %v", name, EnvRequire, err)
		}
		t.Skipf("oracle %s not installed: %v", name, err)
	}
	return path
}

// Available reports whether the named program is in PATH, for callers that
// have no testing.TB (a testscript condition). Where it is missing and
// [EnvRequire] is set, it returns an error instead of false.
func Available(name string) (bool, error) {
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv(EnvRequire) != "" {
			return false, fmt.Errorf("oracle %s is required (%s is set) but missing", name, EnvRequire)
		}
		return false, nil
	}
	return true, nil
}

var versions sync.Map // name → first line of "name --version"

// Version returns the first line that "path args…" prints (by default
// "--version"), for recording an oracle's version in test logs and testdata.
func Version(path string, args ...string) string {
	key := path + "\x00" + strings.Join(args, "\x00")
	if v, ok := versions.Load(key); ok {
		return v.(string)
	}
	if len(args) == 0 {
		args = []string{"--version"}
	}
	out, _ := exec.Command(path, args...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	versions.Store(key, line)
	return line
}
