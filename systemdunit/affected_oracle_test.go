package systemdunit_test

import (
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/internal/wiretest"
	"github.com/proxykit/proxykit/systemdunit"
)

// TestAffectedMatchesSystemd writes affectedNode to a directory and has
// systemd-analyze, the oracle, read every service before and after each
// case's files are written: the units [systemdunit.Change.Restart] restarts
// are exactly those whose environment (Environment=, then the
// EnvironmentFile= files systemd names) or start commands systemd reads
// differently ([wiretest.SystemdView]).
func TestAffectedMatchesSystemd(t *testing.T) {
	oracle.Require(t, "systemd-analyze")
	for _, tt := range affectedCases {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			node := affectedNode()
			for p, f := range node {
				dst := filepath.Join(dir, p)
				require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
				if f.Mode&fs.ModeSymlink != 0 {
					// systemd-analyze --root opens absolute links on the
					// host: the same link, relative.
					rel, err := filepath.Rel(path.Dir("/"+p), string(f.Data))
					require.NoError(t, err)
					require.NoError(t, os.Symlink(rel, dst))
					continue
				}
				require.NoError(t, os.WriteFile(dst, f.Data, 0o644))
			}
			for _, target := range []string{"sysinit", "basic", "shutdown", "sockets", "multi-user", "network-online", "time-set"} {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, "usr/lib/systemd/system"), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "usr/lib/systemd/system", target+".target"), []byte("[Unit]\n"), 0o644))
			}
			units, err := systemdunit.Find(node, "*.service")
			require.NoError(t, err)
			planned := map[string][]byte{}
			for p, s := range tt.planned {
				planned[p] = []byte(s)
			}
			changes, err := systemdunit.Affected(os.DirFS(dir), planned, "*.service")
			require.NoError(t, err)
			var want []string
			for _, c := range changes {
				if c.Restart() {
					want = append(want, c.Unit)
				}
			}

			before := wiretest.SystemdView(t, dir, units...)
			for p, b := range planned {
				dst := filepath.Join(dir, strings.TrimPrefix(p, "/"))
				require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
				require.NoError(t, os.WriteFile(dst, b, 0o644))
			}
			after := wiretest.SystemdView(t, dir, units...)
			var changed []string
			for _, u := range slices.Sorted(maps.Keys(after)) {
				if !slices.Equal(before[u], after[u]) {
					changed = append(changed, u)
				}
			}
			require.Equal(t, changed, want)
		})
	}
}
