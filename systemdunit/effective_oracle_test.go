package systemdunit_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/systemdunit"
)

// TestWithDropInMatchesSystemd checks the view of a unit with a planned
// drop-in in place — the unit as systemd will read it once the drop-in is
// written — against systemd-analyze, the oracle, reading the written files:
// the same drop-ins in the same order, the same environment, for layouts
// where other drop-ins reset, override or are hidden.
func TestWithDropInMatchesSystemd(t *testing.T) {
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
			dir := t.TempDir()
			files := map[string]string{
				"usr/lib/systemd/system/docker.service": "[Service]\nExecStart=/bin/stub\nEnvironment=A=1\n",
				"bin/stub":                              "#!/bin/sh\n",
			}
			// The targets every service depends on by default.
			for _, target := range []string{"sysinit", "basic", "shutdown", "sockets", "multi-user", "network-online", "time-set"} {
				files["usr/lib/systemd/system/"+target+".target"] = "[Unit]\n"
			}
			for p, c := range tt.files {
				files[p] = c
			}
			for p, c := range files {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(c), 0o755))
			}
			fsys := os.DirFS(dir)
			u, err := systemdunit.Load(fsys, "docker.service")
			require.NoError(t, err)
			old, err := os.ReadFile(filepath.Join(dir, ours))
			if err != nil {
				old = nil
			}
			planned, err := systemdunit.DropIn{Environment: []string{
				"HTTP_PROXY=http://svc:p%25ss@proxy.corp.example:3128",
				"NO_PROXY=.corp.example"}}.Edit(old)
			require.NoError(t, err)
			f, err := systemdunit.ParseNamed(ours, planned)
			require.NoError(t, err)
			view := u.WithDropIn(f)
			eff, err := view.Effective(fsys)
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
					sdDropIns = append(sdDropIns, v)
				}
			}
			// systemd-analyze's dump lists the environment sorted by
			// name; the order within the unit is not what is compared.
			assert.ElementsMatch(t, sdEnv, eff.Env(), "environment")
			var got []string
			for _, f := range eff.Files[1:] {
				got = append(got, filepath.Join(dir, f))
			}
			assert.Equal(t, sdDropIns, got, "drop-ins in reading order")
		})
	}
}
