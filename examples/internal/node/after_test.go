package node

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestUnitActions: the units the planned files reach restart when what
// systemd gives them changes — a unit reached by two steps once, noted with
// both files and restarted from either step — a unit whose later drop-in
// overrides ours only reloads, and a step no unit reads gets no action.
func TestUnitActions(t *testing.T) {
	root := t.TempDir()
	for p, s := range map[string]string{
		"etc/systemd/system/app.service":                     "[Service]\nEnvironmentFile=-/etc/app/proxy.env\nExecStart=/bin/app\n",
		"usr/lib/systemd/system/docker.service":              "[Service]\nExecStart=/usr/bin/dockerd\n",
		"etc/systemd/system/docker.service.d/zz-pinned.conf": "[Service]\nEnvironment=NO_PROXY=.pinned\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(s), 0o644))
	}
	set := func(s string) func([]byte) ([]byte, error) {
		return func([]byte) ([]byte, error) { return []byte(s), nil }
	}
	n := NewNode(&Config{}, os.DirFS(root))
	n.Edit(plan.Step{Path: "etc/systemd/system/docker.service.d/http-proxy.conf", Edit: set("[Service]\nEnvironment=NO_PROXY=.corp\n")})
	n.Edit(plan.Step{Path: "etc/app/proxy.env", Edit: set("HTTP_PROXY=http://p:3128\n")})
	n.Edit(plan.Step{Path: "etc/systemd/system/app.service.d/proxy.conf", Edit: set("[Service]\nEnvironment=NO_PROXY=.corp\n")})
	n.Edit(plan.Step{Path: "etc/environment", Edit: set("HTTP_PROXY=http://p:3128\n")})
	require.NoError(t, n.UnitActions("*.service"))

	var actions [][]string
	for _, s := range n.Plan.Steps {
		actions = append(actions, s.Actions)
	}
	require.Equal(t, [][]string{
		{"daemon-reload"},
		{"daemon-reload", "restart app"},
		{"daemon-reload", "restart app"},
		nil,
	}, actions)
	require.Equal(t, []string{
		"docker.service: /etc/systemd/system/docker.service.d/http-proxy.conf changes but not the unit's environment or command line: daemon-reload, no restart",
		"restart app.service: its environment changes (drop-in /etc/systemd/system/app.service.d/proxy.conf, it reads /etc/app/proxy.env with EnvironmentFile=)",
	}, n.Notes())
}
