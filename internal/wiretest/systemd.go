package wiretest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/systemdunit"
)

// startKeys are the commands systemd runs when it starts a service: a
// change of one reaches the service by a restart only.
var startKeys = []string{"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost"}

// SystemdView returns, for each of units under root, what of it reaches the
// running service as the real systemd-analyze reads it: the environment
// systemd passes — its Environment= values, then the EnvironmentFile=
// files it names, in its order, each overriding what came before (their
// contents read under root, links followed inside it, parsed by
// [systemdunit.ParseEnvironmentFile]; systemd reads them only when it
// starts the unit) — and the commands it runs at start, as sorted lines.
// One systemd-analyze run reads every unit. It skips the test when
// systemd-analyze is missing (fails under PROXYKIT_REQUIRE_ORACLES=1).
//
// systemd-analyze --root opens absolute links on the host: a unit reached
// through one must be copied in first.
func SystemdView(t testing.TB, root string, units ...string) map[string][]string {
	t.Helper()
	bin := oracle.Require(t, "systemd-analyze")
	cmd := exec.Command(bin, append([]string{"--root=" + root, "verify", "--man=no", "--generators=no", "--recursive-errors=no"}, units...)...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_COLOR=0")
	var stderr strings.Builder
	cmd.Stderr = &stderr // the log; the dump is on stdout, which it would cut into
	b, _ := cmd.Output()
	env := map[string]map[string]string{}
	cmds := map[string][]string{}
	unit, key := "", ""
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if u, ok := strings.CutPrefix(l, "-> Unit "); ok {
			unit, key = strings.TrimSuffix(u, ":"), ""
			if slices.Contains(units, unit) {
				env[unit] = map[string]string{}
			}
			continue
		}
		if k, ok := strings.CutPrefix(l, "-> "); ok {
			key = strings.TrimSuffix(k, ":")
			continue
		}
		if !slices.Contains(units, unit) {
			continue
		}
		if kv, ok := strings.CutPrefix(l, "Environment: "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[unit][k] = v
		}
		if f, ok := strings.CutPrefix(l, "EnvironmentFile: "); ok {
			vars, err := systemdunit.ParseEnvironmentFile(ReadFile(t, root, strings.TrimPrefix(strings.Fields(f)[0], "-")))
			if err != nil {
				t.Fatalf("wiretest: %s: %s: %v", unit, f, err)
			}
			for _, kv := range vars {
				k, v, _ := strings.Cut(kv, "=")
				env[unit][k] = v
			}
		}
		if c, ok := strings.CutPrefix(l, "Command Line: "); ok && slices.Contains(startKeys, key) {
			cmds[unit] = append(cmds[unit], key+" "+c)
		}
	}
	out := map[string][]string{}
	for _, u := range units {
		e, ok := env[u]
		if !ok {
			t.Fatalf("wiretest: systemd-analyze read no %s:\n%s", u, stderr.String())
		}
		for k, v := range e {
			out[u] = append(out[u], k+"="+v)
		}
		out[u] = append(out[u], cmds[u]...)
		slices.Sort(out[u])
	}
	return out
}
