package dcosnode

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestDirectoriesLinkedAbsolutelyInsideTheRoot: directories that are
// absolute symbolic links to places inside the root (systemd's unit
// directory, a drop-in directory, /opt/mesosphere) resolve inside the root
// for plan, apply, verify and undo, as they would once the root is "/".
func TestDirectoriesLinkedAbsolutelyInsideTheRoot(t *testing.T) {
	for _, tc := range []struct{ name, link, target string }{
		{"drop-in directory", "etc/systemd/system/docker.service.d", "/srv/docker.service.d"},
		{"a Java service's drop-in directory", "etc/systemd/system/dcos-cosmos.service.d", "/srv/cosmos.d"},
		{"systemd directory", "etc/systemd/system", "/srv/systemd-system"},
		{"mesosphere", "opt/mesosphere", "/srv/mesosphere"},
		{"etc/pki", "etc/pki", "/srv/pki"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := sampleRoot(t)
			link, target := filepath.Join(dir, tc.link), filepath.Join(dir, tc.target)
			require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
			if _, err := os.Lstat(link); err == nil {
				require.NoError(t, os.Rename(link, target))
			} else {
				require.NoError(t, os.MkdirAll(target, 0o755))
			}
			require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
			require.NoError(t, os.Symlink(tc.target, link))
			for _, step := range []struct {
				cmd  string
				code int
			}{{"plan", node.ExitPending}, {"apply", node.ExitOK}, {"plan", node.ExitOK}, {"verify", node.ExitOK}, {"undo", node.ExitOK}} {
				var stdout, stderr bytes.Buffer
				code := testProgram(plan.NoActions).Run(append(sampleArgs(dir, "-no-actions"), step.cmd), &stdout, &stderr)
				require.Equal(t, step.code, code, "%s:\n%s\n%s", step.cmd, stdout.String(), stderr.String())
			}
			fi, err := os.Lstat(link)
			require.NoError(t, err)
			require.Equal(t, os.ModeSymlink, fi.Mode().Type(), "the link is kept")
		})
	}
}
