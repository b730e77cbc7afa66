package dcosnode

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestRestartsFollowTheEffectiveEnvironment checks that a unit reading
// proxy.env with EnvironmentFile= restarts exactly when the environment
// systemd passes it changes: dcos-mesos-master takes the no-proxy list from
// proxy.env, while dcos-pinned (a unit of the test) reads its own no-proxy
// list from a later EnvironmentFile=, which wins, so a new no-proxy list
// leaves its environment, and it, alone. A new CA only restarts the services
// that read their CAs at start, not the readers of proxy.env.
func TestRestartsFollowTheEffectiveEnvironment(t *testing.T) {
	root := sampleRoot(t)
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(s), 0o644))
	}
	write("etc/systemd/system/dcos-pinned.service", "[Unit]\nDescription=test: a service with its own no-proxy list\n\n[Service]\n"+
		"EnvironmentFile=-/opt/mesosphere/etc/proxy.env\nEnvironmentFile=/etc/pinned-noproxy.env\nExecStart=/usr/bin/true\n")
	write("etc/pinned-noproxy.env", "no_proxy=.pinned.example\nNO_PROXY=.pinned.example\n")
	rec := &plan.Recorder{}
	restarts := func(args ...string) []string {
		t.Helper()
		rec.Reset()
		var out, errb strings.Builder
		require.Equal(t, node.ExitOK, testProgram(rec).Run(args, &out, &errb), errb.String())
		var got []string
		for _, a := range rec.Ran() {
			if u, ok := strings.CutPrefix(a, "restart "); ok {
				got = append(got, u)
			}
		}
		return got
	}

	got := restarts(sampleArgs(root, "apply")...)
	require.Contains(t, got, "dcos-mesos-master")
	require.Contains(t, got, "dcos-pinned", "the proxy itself is new to it")

	t.Run("only the no-proxy list changes", func(t *testing.T) {
		args := sampleArgs(root, "apply")
		args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
		got := restarts(args...)
		require.Contains(t, got, "dcos-mesos-master")
		require.NotContains(t, got, "dcos-pinned", "its own EnvironmentFile= sets the no-proxy list: its environment is unchanged")
	})

	t.Run("only the CA changes", func(t *testing.T) {
		args := sampleArgs(root, "apply")
		args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
		// The same CA under another name: a new anchor in the system store.
		args = append(args[:len(args)-1], "-ca-alias", "corporate_proxy_2", "apply")
		got := restarts(args...)
		require.NotContains(t, got, "dcos-mesos-master", "proxy.env is unchanged")
		require.NotContains(t, got, "dcos-pinned")
		require.Contains(t, got, "dcos-cosmos", "a JVM reads its CAs at start")
	})
}
