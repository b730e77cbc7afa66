package plan_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/oracle"
)

// mountTmpfs mounts a tmpfs with opts on a new directory, unmounted when
// the test ends. It needs root: elsewhere the test is skipped, except in CI
// (oracle.EnvRequire set), which runs as root and must run it.
func mountTmpfs(t *testing.T, dir, opts string) {
	t.Helper()
	skip := func(why string, args ...any) {
		if os.Getenv(oracle.EnvRequire) == "1" {
			t.Fatalf(why, args...)
		}
		t.Skipf(why, args...)
	}
	if os.Geteuid() != 0 {
		skip("mounting a tmpfs needs root")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		skip("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

func remount(t *testing.T, dir, opts string) {
	t.Helper()
	out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// bigPlan sets a line in a and b, then writes more than the disk holds to
// c: the disk is full when c is written.
func bigPlan(big int) *plan.Plan {
	var p plan.Plan
	p.Add(plan.Step{Path: "etc/a", Edit: setLine("proxy", "http://u:pw@p:1")},
		plan.Step{Path: "etc/b", Edit: setLine("proxy", "http://u:pw@p:1")},
		plan.Step{Path: "etc/c", Edit: constant(strings.Repeat("x", big))})
	return &p
}

// TestDiskFullRollsBack applies on a tmpfs too small for the last file:
// the files written before are put back, no temporary file or journal is
// left, and the error says the disk is full and nothing changed. The same
// for an undo that fills the disk: the applied files stay as they were.
func TestDiskFullRollsBack(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "root")
	mountTmpfs(t, dir, "size=256k,mode=0755")
	writeTree(t, dir, map[string]string{"etc/a": "A\n", "etc/b": "B\n", "etc/c": "C\n"})
	before := snapshot(t, dir)
	tg := open(t, dir)

	ch, err := tg.Compute(bigPlan(1 << 20))
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.ErrorIs(t, err, syscall.ENOSPC)
	var ae *plan.ApplyError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "etc/c", ae.Path)
	require.Equal(t, []string{"etc/a", "etc/b"}, ae.RolledBack)
	require.NoError(t, ae.Rollback)
	require.Contains(t, err.Error(), "no space left on device; nothing changed (put back etc/a, etc/b)")
	require.NotContains(t, err.Error(), "pw")
	require.Equal(t, before, snapshot(t, dir), "nothing changed, nothing left behind")

	// An apply that fits; then fill the disk and undo: the undo cannot
	// write its journal or its files, and changes nothing.
	ch, err = tg.Compute(bigPlan(100 << 10))
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	applied := snapshot(t, dir)
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	require.NoError(t, err)
	_, werr := f.Write(make([]byte, 1<<20))
	require.ErrorIs(t, werr, syscall.ENOSPC)
	require.NoError(t, f.Close())
	fillerState := snapshot(t, dir)["filler"]
	_, err = tg.Undo(ctx, nil)
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.Contains(t, err.Error(), "nothing changed")
	got := snapshot(t, dir)
	require.Equal(t, fillerState, got["filler"])
	delete(got, "filler")
	require.Equal(t, applied, got, "the undo changed nothing")

	require.NoError(t, os.Remove(filler))
	_, err = tg.Undo(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, before, snapshot(t, dir))
}

// TestReadOnlyDirectoryRollsBack applies to a tree where the last file is
// on a read-only mount: the files written before are put back. Then undo
// with a restored file on a read-only mount: the undo changes nothing.
func TestReadOnlyDirectoryRollsBack(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "root")
	mountTmpfs(t, dir, "size=1m,mode=0755")
	ro := filepath.Join(dir, "etc/ro")
	mountTmpfs(t, ro, "size=64k,mode=0755")
	writeTree(t, dir, map[string]string{"etc/a": "A\n", "etc/b": "B\n", "etc/ro/c": "C\n"})
	before := snapshot(t, dir)
	tg := open(t, dir)
	var p plan.Plan
	p.Add(plan.Step{Path: "etc/a", Edit: setLine("proxy", "1")},
		plan.Step{Path: "etc/b", Edit: setLine("proxy", "1")},
		plan.Step{Path: "etc/ro/c", Edit: setLine("proxy", "1")})

	remount(t, ro, "ro")
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.ErrorIs(t, err, syscall.EROFS)
	var ae *plan.ApplyError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, []string{"etc/a", "etc/b"}, ae.RolledBack)
	require.Contains(t, err.Error(), "nothing changed")
	require.Equal(t, before, snapshot(t, dir))

	remount(t, ro, "rw")
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	applied := snapshot(t, dir)
	remount(t, ro, "ro")
	_, err = tg.Undo(ctx, nil)
	require.ErrorIs(t, err, syscall.EROFS)
	require.Contains(t, err.Error(), "nothing changed")
	require.Equal(t, applied, snapshot(t, dir), "the undo changed nothing")

	remount(t, ro, "rw")
	_, err = tg.Undo(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, before, snapshot(t, dir))
}
