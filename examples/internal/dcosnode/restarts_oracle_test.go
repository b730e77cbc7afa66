package dcosnode

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/oracle"
)

// analyzed returns, per unit, the environment and command lines
// systemd-analyze reads from the node at root (sorted lines). DC/OS links
// its units in by absolute links, which systemd-analyze --root opens on the
// host: they are replaced by copies first.
func analyzed(t *testing.T, bin, root string, units []string) map[string][]string {
	t.Helper()
	dir := filepath.Join(root, "etc/systemd/system")
	for _, u := range units {
		p := filepath.Join(dir, u)
		if target, err := os.Readlink(p); err == nil {
			b, err := os.ReadFile(filepath.Join(root, target))
			require.NoError(t, err)
			require.NoError(t, os.Remove(p))
			require.NoError(t, os.WriteFile(p, b, 0o644))
		}
	}
	out := map[string][]string{}
	for _, u := range units {
		cmd := exec.Command(bin, "--root="+root, "verify", "--man=no", "--generators=no", "--recursive-errors=no", u)
		cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug")
		b, _ := cmd.CombinedOutput()
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "Environment: ") || strings.HasPrefix(l, "Command Line: ") {
				lines = append(lines, l)
			}
			// systemd reads an EnvironmentFile= when it starts the unit:
			// its contents are part of what the unit gets.
			if f, ok := strings.CutPrefix(l, "EnvironmentFile: "); ok {
				f = strings.TrimPrefix(strings.Fields(f)[0], "-")
				c, _ := os.ReadFile(filepath.Join(root, f))
				lines = append(lines, l+" "+string(c))
			}
		}
		slices.Sort(lines)
		out[u] = lines
	}
	return out
}

// TestRestartsAreTheUnitsSystemdSeesChange applies, then changes only the
// no-proxy list (which a later drop-in of Docker's overrides), then only the CA, and has systemd-analyze read each unit
// dcos-node may restart before and after: the units restarted are exactly
// those whose environment (Environment= as systemd-analyze reads it, and
// the contents of the EnvironmentFile= files it names) or command line
// differ, or, for the CA, those reading a store that changed.
func TestRestartsAreTheUnitsSystemdSeesChange(t *testing.T) {
	bin := oracle.Require(t, "systemd-analyze")
	root := sampleRoot(t)
	units := []string{"docker.service", "dcos-mesos-master.service", "dcos-cosmos.service", "dcos-marathon.service", "dcos-metronome.service"}
	// Docker's own later drop-in sets the no-proxy list: a new list
	// rewrites ours, but systemd passes Docker the same environment.
	pin := filepath.Join(root, "etc/systemd/system/docker.service.d/zz-noproxy.conf")
	require.NoError(t, os.MkdirAll(filepath.Dir(pin), 0o755))
	require.NoError(t, os.WriteFile(pin, []byte("[Service]\nEnvironment=NO_PROXY=.pinned.example no_proxy=.pinned.example\n"), 0o644))
	rec := &plan.Recorder{}
	run := func(args ...string) []string {
		t.Helper()
		rec.Reset()
		var out, errb strings.Builder
		require.Equal(t, node.ExitOK, testProgram(rec).Run(args, &out, &errb), errb.String())
		var got []string
		for _, a := range rec.Ran() {
			if u, ok := strings.CutPrefix(a, "restart "); ok {
				got = append(got, u+".service")
			}
		}
		slices.Sort(got)
		return got
	}
	run(sampleArgs(root, "apply")...)
	before := analyzed(t, bin, root, units)

	args := sampleArgs(root, "apply")
	args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
	got := run(args...)
	after := analyzed(t, bin, root, units)
	var changed []string
	for _, u := range slices.Sorted(maps.Keys(after)) {
		if !slices.Equal(before[u], after[u]) {
			changed = append(changed, u)
		}
	}
	require.NotEmpty(t, changed)
	require.NotContains(t, changed, "docker.service")
	require.Equal(t, changed, got, "only the no-proxy list changes: restarted are the units systemd reads differently")

	// Only the CA: no unit's environment changes; those reading a store
	// that changes restart (every JVM here shares DC/OS's JRE).
	args[slices.Index(args, "-ca")+1] = writeCA(t, "Other Corp Inspection CA")
	args = append(args[:len(args)-1], "-ca-alias", "other_corp", "apply")
	got = run(args...)
	again := analyzed(t, bin, root, units)
	require.Equal(t, after, again, "a new CA changes no unit's environment")
	require.Equal(t, []string{"dcos-cosmos.service", "dcos-marathon.service", "dcos-metronome.service", "docker.service"}, got)
}
