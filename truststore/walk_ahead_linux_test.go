//go:build linux

package truststore

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// aheadTree makes a tree on disk for the lookahead's tests, the same for
// a seed: directories deeper than MaxWalkDepth, skipped names, bundles and
// other files, pipes, links to directories inside it (a loop among them),
// an absolute link and a dangling one.
func aheadTree(tb testing.TB, seed uint64) string {
	tb.Helper()
	root := tb.TempDir()
	rng := rand.New(rand.NewPCG(seed, 0))
	dirs := []string{"packages"}
	require.NoError(tb, os.Mkdir(filepath.Join(root, "packages"), 0o755))
	for i := range 600 {
		parent := dirs[rng.IntN(len(dirs))]
		name := fmt.Sprintf("d%03d", i)
		if i > 300 && rng.IntN(10) == 0 { // late: a small part is skipped
			name = "bin"
		}
		dir := filepath.Join(parent, name)
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			continue // bin twice
		}
		dirs = append(dirs, dir)
	}
	for i := range 1500 {
		dir := filepath.Join(root, dirs[rng.IntN(len(dirs))])
		switch rng.IntN(10) {
		case 0, 1:
			require.NoError(tb, os.WriteFile(filepath.Join(dir, "cacert.pem"), nil, 0o644))
		case 2:
			_ = syscall.Mkfifo(filepath.Join(dir, fmt.Sprintf("p%d", i)), 0o644)
		case 3:
			target := dirs[rng.IntN(len(dirs))]
			_ = os.Symlink("/"+target, filepath.Join(dir, fmt.Sprintf("l%d", i)))
		case 4:
			_ = os.Symlink("nowhere", filepath.Join(dir, fmt.Sprintf("l%d", i)))
		default:
			require.NoError(tb, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.py", i)), nil, 0o644))
		}
	}
	require.NoError(tb, os.Symlink("..", filepath.Join(root, dirs[len(dirs)-1], "loop")))
	return root
}

// walkWith walks the bundle roots of fsys with the given lookahead
// goroutines (0: alone), entry limit and entry types unknown or not.
func walkWith(t *testing.T, root string, workers, limit int, unknown bool) ([]string, error) {
	t.Helper()
	defer func(w, l int, u bool) { walkWorkers, walkEntryLimit, direntTypesUnknown = w, l, u }(walkWorkers, walkEntryLimit, direntTypesUnknown)
	walkWorkers, walkEntryLimit, direntTypesUnknown = workers, limit, unknown
	r, err := os.OpenRoot(root)
	require.NoError(t, err)
	defer r.Close()
	return walkBundles(r.FS(), []string{"packages", "packages/d001"}, DefaultBundleNames())
}

// TestLookaheadWalksAsTheWalkAlone: with goroutines listing ahead, the walk
// finds the same bundles in the same order, and stops at the same entry
// when the limit cuts it short, as the walk alone, on generated trees.
func TestLookaheadWalksAsTheWalkAlone(t *testing.T) {
	for seed := range uint64(3) {
		root := aheadTree(t, seed)
		for _, unknown := range []bool{false, true} {
			alone, err := walkWith(t, root, 0, MaxWalkEntries, unknown)
			require.NoError(t, err)
			require.NotEmpty(t, alone)
			for _, limit := range []int{1, 17, 150, 900, 1700, MaxWalkEntries} {
				want, wantErr := walkWith(t, root, 0, limit, unknown)
				for _, workers := range []int{1, 2, 4} {
					t.Run(fmt.Sprintf("seed=%d/unknown=%t/limit=%d/workers=%d", seed, unknown, limit, workers), func(t *testing.T) {
						got, err := walkWith(t, root, workers, limit, unknown)
						require.Equal(t, wantErr, err)
						require.Equal(t, want, got)
					})
				}
			}
		}
	}
}

// TestLookaheadLeavesNothingBehind: a walk stopped by the entry limit, at
// any point, leaves no goroutine running and no descriptor open.
func TestLookaheadLeavesNothingBehind(t *testing.T) {
	root := aheadTree(t, 7)
	fds := func() int {
		des, err := os.ReadDir("/proc/self/fd")
		require.NoError(t, err)
		return len(des)
	}
	for _, limit := range []int{1, 40, 300, 1000, MaxWalkEntries} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			goroutines, open := runtime.NumGoroutine(), fds()
			_, err := walkWith(t, root, 4, limit, false)
			if limit < MaxWalkEntries {
				require.ErrorIs(t, err, ErrWalkLimit)
			}
			require.Equal(t, open, fds())
			// The walk has waited for its goroutines, which may still be
			// between their last statement and their end.
			n := runtime.NumGoroutine()
			for deadline := time.Now().Add(time.Second); n > goroutines && time.Now().Before(deadline); n = runtime.NumGoroutine() {
				time.Sleep(time.Millisecond)
			}
			require.LessOrEqual(t, n, goroutines)
		})
	}
}
