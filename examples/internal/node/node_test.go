package node

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// linkTree builds a root with the links real nodes have, and one that points
// out of the root, next to a file outside it.
func linkTree(t *testing.T) (root string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	for name, data := range map[string]string{
		"root/etc/ssl/certs/java/cacerts": "keystore",
		"root/opt/jdk-17/release":         "17",
		"outside/secret":                  "outside",
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	for name, target := range map[string]string{
		"root/opt/jdk-17/lib/security/cacerts": "/etc/ssl/certs/java/cacerts",
		"root/opt/jdk":                         "/opt/jdk-17",
		"root/opt/escape":                      "../../../../outside/secret",
		"root/opt/loop":                        "/opt/loop",
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.Symlink(target, p))
	}
	return root
}

func TestNodeResolvesLinksInsideTheRoot(t *testing.T) {
	root := linkTree(t)
	r, err := os.OpenRoot(root)
	require.NoError(t, err)
	defer r.Close()
	n := NewNode(&Config{}, r.FS())

	for _, tc := range []struct {
		name, path, want string
		wantErr          bool
	}{
		{name: "absolute link taken from the root", path: "opt/jdk-17/lib/security/cacerts", want: "etc/ssl/certs/java/cacerts"},
		{name: "links along the way", path: "/opt/jdk/lib/security/cacerts", want: "etc/ssl/certs/java/cacerts"},
		{name: "no link", path: "opt/jdk-17/release", want: "opt/jdk-17/release"},
		{name: "dot-dot stops at the root, outside is never reached", path: "opt/escape", wantErr: true},
		{name: "loop", path: "opt/loop", wantErr: true},
		{name: "missing", path: "etc/nope", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := n.Resolve(tc.path)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}

	b, err := n.ReadFile("opt/jdk/lib/security/cacerts")
	require.NoError(t, err)
	require.Equal(t, "keystore", string(b))
	require.False(t, n.Exists("opt/escape"))

	require.Equal(t, []string{"opt/jdk-17/lib/security/cacerts", "opt/jdk/lib/security/cacerts"}, n.Glob("opt/*/lib/security/cacerts"))
	require.Empty(t, n.Glob("opt/escape/*"))
}

func TestActionsAreOrderedAndKeptOnce(t *testing.T) {
	n := NewNode(&Config{}, os.DirFS(t.TempDir()))
	a := n.Restart("docker.service")
	b := n.DaemonReload()
	c := n.Action("update-ca-trust extract", "update-ca-trust", "extract")
	require.Equal(t, b, n.DaemonReload())
	require.Equal(t, []string{"restart docker", "daemon-reload", "update-ca-trust extract"}, []string{a, b, c})
	n.orderActions()
	var names []string
	for _, x := range n.Plan.Actions {
		names = append(names, x.Name)
	}
	require.Equal(t, []string{"update-ca-trust extract", "daemon-reload", "restart docker"}, names)
	require.Equal(t, []plan.Action{{Name: "update-ca-trust extract", Argv: []string{"update-ca-trust", "extract"}}}, n.Plan.Actions[:1])
}

func TestActionsDoNotInheritCredentials(t *testing.T) {
	env := actionEnv([]string{"PATH=/usr/bin", EnvProxyPassword + "=hunter2", EnvStorePass + "=s3cret", "LANG=C"})
	require.Equal(t, []string{"PATH=/usr/bin", "LANG=C"}, env)
}
