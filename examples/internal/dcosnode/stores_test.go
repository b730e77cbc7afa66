package dcosnode

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// addPackages adds n pkgpanda packages of files files each to the node
// under root, laid out as DC/OS lays out a Python package (bin/, a library,
// site-packages with modules), each linked from active/.
func addPackages(tb testing.TB, root string, n, files int) {
	tb.Helper()
	for i := range n {
		name := fmt.Sprintf("extra-%03d", i)
		pkg := filepath.Join(root, "opt/mesosphere/packages", fmt.Sprintf("%s--%040x", name, i))
		for j := range files {
			var p string
			switch j % 5 {
			case 0:
				p = filepath.Join(pkg, "bin", fmt.Sprintf("tool%d", j))
			case 1:
				p = filepath.Join(pkg, "lib", fmt.Sprintf("lib%d.so", j))
			default:
				p = filepath.Join(pkg, "lib/python3.6/site-packages", name, fmt.Sprintf("sub%d", j%3), fmt.Sprintf("m%d.py", j))
			}
			require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(tb, os.WriteFile(p, []byte("x\n"), 0o644))
		}
		require.NoError(tb, os.Symlink("/opt/mesosphere/packages/"+filepath.Base(pkg), filepath.Join(root, "opt/mesosphere/active", name)))
	}
}

// BenchmarkPlanManyPackages plans the sample DC/OS master as it is, and with
// 200 more packages holding 10,000 more files, which the walk for bundles
// must go through: the second must stay within 1.5 times the first.
func BenchmarkPlanManyPackages(b *testing.B) {
	for _, c := range []struct {
		name        string
		pkgs, files int
	}{{"sample", 0, 0}, {"200pkgs-10000files", 200, 50}} {
		b.Run(c.name, func(b *testing.B) {
			root := sampleRoot(b)
			addPackages(b, root, c.pkgs, c.files)
			p := testProgram(plan.NoActions)
			for b.Loop() {
				if code := p.Run(sampleArgs(root, "plan"), io.Discard, io.Discard); code != node.ExitPending {
					b.Fatalf("plan exited %d", code)
				}
			}
		})
	}
}
