package dcosnode

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/internal/wiretest"
)

// analyzed returns, per unit, what systemd-analyze reads of it from the
// node at root that reaches the running service ([wiretest.SystemdView]:
// its environment, EnvironmentFile= contents included, and its start
// commands). DC/OS links its units in by absolute links, which
// systemd-analyze --root opens on the host: they are replaced by copies
// first.
func analyzed(t *testing.T, root string, units []string) map[string][]string {
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
	return wiretest.SystemdView(t, root, units...)
}

// systemdSees runs dcos-node on the node at root and returns the units it
// restarted and those whose view systemd-analyze reads differently after
// the run (see [analyzed]), with the view after it.
type systemdSees struct {
	t     *testing.T
	root  string
	units []string
	rec   *plan.Recorder
	view  map[string][]string
}

func newSystemdSees(t *testing.T, root string, units ...string) *systemdSees {
	oracle.Require(t, "systemd-analyze")
	return &systemdSees{t: t, root: root, units: units, rec: &plan.Recorder{}}
}

// run runs dcos-node with args, which must succeed, and returns the units
// it restarted and those systemd reads differently since the last run.
func (s *systemdSees) run(args ...string) (restarted, changed []string) {
	t := s.t
	t.Helper()
	if s.view == nil {
		s.view = analyzed(t, s.root, s.units)
	}
	s.rec.Reset()
	var out, errb strings.Builder
	require.Equal(t, node.ExitOK, testProgram(s.rec).Run(args, &out, &errb), errb.String())
	for _, a := range s.rec.Ran() {
		if u, ok := strings.CutPrefix(a, "restart "); ok {
			restarted = append(restarted, u+".service")
		}
	}
	slices.Sort(restarted)
	after := analyzed(t, s.root, s.units)
	for _, u := range slices.Sorted(maps.Keys(after)) {
		if !slices.Equal(s.view[u], after[u]) {
			changed = append(changed, u)
		}
	}
	s.view = after
	return restarted, changed
}

// TestRestartsAreTheUnitsSystemdSeesChange applies, then changes only the
// no-proxy list (which a later drop-in of Docker's overrides), then only the CA, and has systemd-analyze read each unit
// dcos-node may restart before and after: the units restarted are exactly
// those whose environment (Environment= as systemd-analyze reads it, then
// the EnvironmentFile= files it names) or start commands differ, or, for
// the CA, those reading a store that changed.
func TestRestartsAreTheUnitsSystemdSeesChange(t *testing.T) {
	root := sampleRoot(t)
	s := newSystemdSees(t, root, "docker.service", "dcos-mesos-master.service", "dcos-cosmos.service", "dcos-marathon.service", "dcos-metronome.service")
	// Docker's own later drop-in sets the no-proxy list: a new list
	// rewrites ours, but systemd passes Docker the same environment.
	pin := filepath.Join(root, "etc/systemd/system/docker.service.d/zz-noproxy.conf")
	require.NoError(t, os.MkdirAll(filepath.Dir(pin), 0o755))
	require.NoError(t, os.WriteFile(pin, []byte("[Service]\nEnvironment=NO_PROXY=.pinned.example no_proxy=.pinned.example\n"), 0o644))
	s.run(sampleArgs(root, "apply")...)

	args := sampleArgs(root, "apply")
	args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
	got, changed := s.run(args...)
	require.NotEmpty(t, changed)
	require.NotContains(t, changed, "docker.service")
	require.Equal(t, changed, got, "only the no-proxy list changes: restarted are the units systemd reads differently")

	// Only the CA: no unit's environment changes; those reading a store
	// that changes restart (every JVM here shares DC/OS's JRE).
	args[slices.Index(args, "-ca")+1] = writeCA(t, "Other Corp Inspection CA")
	args = append(args[:len(args)-1], "-ca-alias", "other_corp", "apply")
	got, changed = s.run(args...)
	require.Empty(t, changed, "a new CA changes no unit's environment")
	require.Equal(t, []string{"dcos-cosmos.service", "dcos-marathon.service", "dcos-metronome.service", "docker.service"}, got)
}

// TestRestartsOnTheDCOSFixtureAreTheUnitsSystemdSeesChange is issue 13's
// acceptance on the DC/OS master and agent fixture (testdata/dcos, with the
// services of testdata/dcos/services that read what dcos-node changes:
// Cosmos on the master, started by a script on DC/OS's JRE; Docker on the
// agent, whose own later drop-in sets the no-proxy list). After apply,
// systemd-analyze reads each unit; a run that changes only the no-proxy
// list restarts exactly the units whose effective environment systemd sees
// change — also when the change leaves the Java service's drop-in as it is
// and reaches it through proxy.env only — and a run that changes only the
// CA changes no unit's environment and restarts exactly the units reading a
// store it changes.
func TestRestartsOnTheDCOSFixtureAreTheUnitsSystemdSeesChange(t *testing.T) {
	for _, tt := range []struct {
		role           string
		units          []string
		noProxyChanges []string // the units whose environment the new no-proxy list changes
		caReaders      []string // the units reading a store the new CA changes
	}{
		{"master", []string{"dcos-mesos-master.service", "dcos-cosmos.service"},
			[]string{"dcos-cosmos.service", "dcos-mesos-master.service"}, []string{"dcos-cosmos.service"}},
		{"agent", []string{"dcos-mesos-slave.service", "docker.service"},
			[]string{"dcos-mesos-slave.service"}, []string{"docker.service"}},
	} {
		t.Run(tt.role, func(t *testing.T) {
			root := t.TempDir()
			require.NoError(t, node.Materialize(root, os.DirFS(fixtureDir), tt.role, tt.role+".setup"))
			require.NoError(t, node.Materialize(root, os.DirFS(fixtureDir), "services/"+tt.role, "services/"+tt.role+".setup"))
			if tt.role == "agent" {
				pin := filepath.Join(root, "etc/systemd/system/docker.service.d/zz-noproxy.conf")
				require.NoError(t, os.MkdirAll(filepath.Dir(pin), 0o755))
				require.NoError(t, os.WriteFile(pin, []byte("[Service]\nEnvironment=NO_PROXY=.pinned.example no_proxy=.pinned.example\n"), 0o644))
			}
			s := newSystemdSees(t, root, tt.units...)
			args := []string{"-root", root, "-proxy", "http://svc-dcos@proxy.example.com:3128",
				"-no-proxy", ".corp.example,10.0.0.0/8", "-ca", writeCA(t, "Example Corp Inspection CA"), "apply"}
			got, changed := s.run(args...)
			require.Equal(t, changed, got, "the proxy is new: restarted are the units systemd reads differently")

			t.Run("only the no-proxy list changes", func(t *testing.T) {
				args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
				got, changed := s.run(args...)
				require.Equal(t, tt.noProxyChanges, changed)
				require.Equal(t, changed, got, "restarted are the units systemd reads differently")
			})
			t.Run("only a no-proxy entry Java cannot honour changes", func(t *testing.T) {
				// http.nonProxyHosts cannot hold an IPv6 range: the Java
				// drop-in stays as it is, but proxy.env, which the Java
				// service reads too, changes its environment.
				args[slices.Index(args, "-no-proxy")+1] = ".corp.example,fd00::/8"
				got, changed := s.run(args...)
				require.Equal(t, tt.noProxyChanges, changed)
				require.Equal(t, changed, got, "restarted are the units systemd reads differently")
			})
			t.Run("only the CA changes", func(t *testing.T) {
				args[slices.Index(args, "-ca")+1] = writeCA(t, "Other Corp Inspection CA")
				args = append(args[:len(args)-1], "-ca-alias", "other_corp", "apply")
				got, changed := s.run(args...)
				require.Empty(t, changed, "a new CA changes no unit's environment or command")
				require.Equal(t, tt.caReaders, got, "restarted are the units reading a store the CA changes")
			})
		})
	}
}
