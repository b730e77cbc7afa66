package dockerhost

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
)

// TestDirectoriesLinkedAbsolutelyInsideTheRoot: directories that are
// absolute symbolic links to places inside the root (a drop-in directory, the
// Docker configuration directory) resolve inside the root for plan, apply,
// verify and undo, as they would once the root is "/".
func TestDirectoriesLinkedAbsolutelyInsideTheRoot(t *testing.T) {
	for _, tc := range []struct{ name, link, target string }{
		{"drop-in directory", "etc/systemd/system/docker.service.d", "/srv/docker.service.d"},
		{"docker configuration directory", "etc/docker", "/srv/etc-docker"},
		{"systemd directory", "etc/systemd/system", "/srv/systemd-system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := fixture(t, "host")
			link, target := filepath.Join(dir, tc.link), filepath.Join(dir, tc.target)
			require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
			if _, err := os.Stat(link); err == nil {
				require.NoError(t, os.Rename(link, target))
			} else {
				require.NoError(t, os.MkdirAll(target, 0o755))
			}
			require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
			require.NoError(t, os.Symlink(tc.target, link))
			args := []string{"-root", dir, "-proxy", "http://proxy.corp:3128", "-no-proxy", ".corp", "-no-actions"}
			for _, step := range []struct {
				cmd  string
				code int
			}{{"plan", node.ExitPending}, {"apply", node.ExitOK}, {"plan", node.ExitOK}, {"verify", node.ExitOK}, {"undo", node.ExitOK}} {
				code, stdout, stderr := runTest(t, append(args, step.cmd)...)
				require.Equal(t, step.code, code, "%s:\n%s\n%s", step.cmd, stdout, stderr)
			}
			fi, err := os.Lstat(link)
			require.NoError(t, err)
			require.Equal(t, os.ModeSymlink, fi.Mode().Type(), "the link is kept")
		})
	}
}
