package dockerhost

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/systemdunit"
)

// TestAfterApplyViewMatchesSystemd checks the view docker-host takes of
// docker.service after apply — the unit and its drop-ins loaded as systemd
// does, with the planned drop-in in place — against systemd-analyze, the
// oracle, reading the applied files: the same files, the same environment,
// for layouts where other drop-ins reset, override or are hidden.
func TestAfterApplyViewMatchesSystemd(t *testing.T) {
	tool := oracle.Require(t, "systemd-analyze")
	t.Log(oracle.Version(tool))
	const ours = "etc/systemd/system/docker.service.d/http-proxy.conf"
	tests := []struct {
		name  string
		files map[string]string // extra files of the root
	}{
		{"drop-in alone", nil},
		{"a later drop-in overrides", map[string]string{
			"etc/systemd/system/docker.service.d/zz-proxy.conf": "[Service]\nEnvironment=HTTP_PROXY=http://old:8080 EXTRA=1\n"}},
		{"an earlier drop-in resets", map[string]string{
			"usr/lib/systemd/system/docker.service.d/00-reset.conf": "[Service]\nEnvironment=\nEnvironment=FOO=bar\n"}},
		{"ours hides the same name in /run", map[string]string{
			"run/systemd/system/docker.service.d/http-proxy.conf": "[Service]\nEnvironment=HTTP_PROXY=http://run:1\n"}},
		{"system.control hides ours", map[string]string{
			"etc/systemd/system.control/docker.service.d/http-proxy.conf": "[Service]\nEnvironment=HTTP_PROXY=http://control:1\n"}},
		{"an old drop-in of ours is replaced", map[string]string{
			ours: "# kept comment\n[Service]\nEnvironment=\"HTTP_PROXY=http://old:1\" OTHER=x\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture(t, "host")
			for p, c := range tt.files {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644))
			}
			root, err := os.OpenRoot(dir)
			require.NoError(t, err)
			defer root.Close()
			n := node.NewNode(&node.Config{Root: dir}, root.FS())

			old, err := os.ReadFile(filepath.Join(dir, ours))
			if err != nil {
				old = nil
			}
			edit := dropInEdit(systemdunit.DropIn{Environment: []string{
				"HTTP_PROXY=http://svc:p%25ss@proxy.corp.example:3128",
				"NO_PROXY=.corp.example"}}, false)
			planned, err := edit(old)
			require.NoError(t, err)
			view, found, masked, err := loadDocker(n, ours, planned)
			require.NoError(t, err)
			require.True(t, found)
			require.False(t, masked)
			env, err := view.Environment()
			require.NoError(t, err)

			require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(ours)), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, ours), planned, 0o644))
			cmd := exec.Command(tool, "--root="+dir, "verify", "docker.service")
			cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_COLOR=0")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			var sdEnv, sdDropIns []string
			for _, l := range strings.Split(string(out), "\n") {
				l = strings.TrimSpace(l)
				if v, ok := strings.CutPrefix(l, "Environment: "); ok {
					sdEnv = append(sdEnv, v)
				}
				if v, ok := strings.CutPrefix(l, "DropIn Path: "); ok {
					sdDropIns = append(sdDropIns, resolved(t, v))
				}
			}
			// systemd-analyze's dump lists the environment sorted by
			// name; the order within the unit is not what is compared.
			assert.ElementsMatch(t, sdEnv, env, "environment")
			var ours []string
			for _, f := range view.Files[1:] {
				ours = append(ours, resolved(t, filepath.Join(dir, f.Name)))
			}
			assert.Equal(t, sdDropIns, ours, "drop-ins in reading order")
		})
	}
}

// resolved returns p with its symbolic links resolved (lib is usr/lib).
func resolved(t *testing.T, p string) string {
	r, err := filepath.EvalSymlinks(p)
	require.NoError(t, err)
	return r
}
