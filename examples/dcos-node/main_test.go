package main

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/proxykit/proxykit/internal/oracle"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

// testPassword is the proxy password of every script: it holds characters
// each file format encodes differently.
const testPassword = `Pa55%w@rd:$HOME"q"!`

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dcos-node": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// real program, on sample nodes written by the mksample command.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PROXYKIT_PROXY_PASSWORD", testPassword)
			if v := os.Getenv(oracle.EnvRequire); v != "" {
				env.Setenv(oracle.EnvRequire, v)
			}
			return nil
		},
		Condition: oracleCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mksample": cmdMksample,
			"snapshot": cmdSnapshot,
			"nosecret": cmdNosecret,
			"eachof":   cmdEachof,
		},
	})
}

// mksample DIR writes the sample DC/OS node into DIR.
func cmdMksample(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mksample DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(writeSample(dir))
}

// snapshot [-meta] DIR FILE writes a listing of every file under DIR into FILE: its
// path, type, mode, link target and SHA-256, so that two trees compare with
// cmp. With -meta, each regular file's inode and modification time are
// listed too, to show that a run wrote nothing.
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	meta := len(args) > 0 && args[0] == "-meta"
	if meta {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: snapshot [-meta] DIR FILE")
	}
	dir := ts.MkAbs(args[0])
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s link %s", rel, target))
		case fi.IsDir():
			lines = append(lines, fmt.Sprintf("%s dir %04o", rel, fi.Mode().Perm()))
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line := fmt.Sprintf("%s file %04o %x", rel, fi.Mode().Perm(), sha256.Sum256(data))
			if meta {
				st := fi.Sys().(*syscall.Stat_t)
				line += fmt.Sprintf(" inode %d mtime %d", st.Ino, fi.ModTime().UnixNano())
			}
			lines = append(lines, line)
		}
		return nil
	})
	ts.Check(err)
	sort.Strings(lines)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
}

// eachof NOW A B fails unless every line of the snapshot NOW is in the
// snapshot A or in B: after a failed run, each file is whole, as it was (A)
// or as planned (B), never something else. The engine's own state
// (var/lib/proxykit) is left out: it records each run.
func cmdEachof(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: eachof NOW A B")
	}
	set := map[string]bool{}
	for _, f := range args[1:] {
		for _, l := range strings.Split(ts.ReadFile(f), "\n") {
			set[l] = true
		}
	}
	for _, l := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if !set[l] && !strings.HasPrefix(l, "var/lib/proxykit") {
			ts.Fatalf("%s: %q is neither in %s nor in %s", args[0], l, args[1], args[2])
		}
	}
}

// secretForms are the ways the test password may be written: raw, in a URL,
// JSON-escaped, and escaped for systemd.
func secretForms() []string {
	j, _ := json.Marshal(testPassword)
	return []string{
		testPassword,
		url.UserPassword("u", testPassword).String()[2:],
		url.QueryEscape(testPassword),
		url.PathEscape(testPassword),
		strings.Trim(string(j), `"`),
		strings.ReplaceAll(testPassword, "%", "%%"),
	}
}

// nosecret FILE... fails when a file (stdout and stderr name the last
// command's output) holds the test password in any encoding. With no FILE it
// checks stdout and stderr.
func cmdNosecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! nosecret")
	}
	if len(args) == 0 {
		args = []string{"stdout", "stderr"}
	}
	for _, name := range args {
		var data string
		switch name {
		case "stdout", "stderr":
			data = ts.ReadFile(name)
		default:
			b, err := os.ReadFile(ts.MkAbs(name))
			ts.Check(err)
			data = string(b)
		}
		for _, f := range secretForms() {
			if strings.Contains(data, f) {
				ts.Fatalf("%s holds the proxy password (as %q)", name, strings.ReplaceAll(f, testPassword, "<password>"))
			}
		}
	}
}

// oracleCondition answers the script condition [oracle:TOOL]: whether a
// real tool is installed. Where it is missing and PROXYKIT_REQUIRE_ORACLES is
// set, the script fails instead, as internal/oracle's tests do. Scripts use
// it as "[!oracle:keytool] skip".
func oracleCondition(cond string) (bool, error) {
	tool, ok := strings.CutPrefix(cond, "oracle:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv(oracle.EnvRequire) != "" {
			return false, fmt.Errorf("oracle %s is required (%s is set) but missing", tool, oracle.EnvRequire)
		}
		return false, nil
	}
	return true, nil
}
