package plan_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

func applyEnv(t *testing.T, tg *plan.Target, value string) {
	t.Helper()
	ch, err := tg.Compute(envPlan(value))
	require.NoError(t, err)
	_, err = tg.Apply(context.Background(), ch, nil)
	require.NoError(t, err)
}

// TestTemporaryFilesNeverWiderThan0600 stops every write just before its
// rename: the temporary file, which holds the new content, is readable by
// its owner only, whatever mode the file gets once in place.
func TestTemporaryFilesNeverWiderThan0600(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	require.NoError(t, os.Chmod(filepath.Join(dir, "etc/environment"), 0o644))
	tg := open(t, dir)
	stop := errors.New("stop before the rename")
	seen := 0
	plan.SetHook(tg, func(point, p string) error {
		if point != "temp-synced" {
			return nil
		}
		fi, err := os.Lstat(filepath.Join(dir, plan.TempName(p)))
		require.NoError(t, err)
		require.Equal(t, fs.FileMode(0o600), fi.Mode().Perm(), "%s before the rename", p)
		seen++
		return stop
	})
	var p plan.Plan
	p.Add(plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", "http://u:pw@p:1")},
		plan.Step{Path: "etc/profile.d/proxy.sh", Edit: setLine("export http_proxy", "x"), Mode: 0o755})
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	_, err = tg.Apply(context.Background(), ch, nil)
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, seen)

	plan.SetHook(tg, nil)
	_, err = tg.Apply(context.Background(), ch, nil)
	require.NoError(t, err)
	for p, want := range map[string]fs.FileMode{"etc/environment": 0o644, "etc/profile.d/proxy.sh": 0o755} {
		fi, err := os.Stat(filepath.Join(dir, p))
		require.NoError(t, err)
		require.Equal(t, want, fi.Mode().Perm(), "%s once in place", p)
	}
}

// TestNextRunRollsBackAKilledRunAndSaysSo leaves what a run killed between
// two files leaves — the journal, the first file written, a temporary file
// of the second — and checks that the next run puts the first back,
// removes the temporary file and the journal, and reports it.
func TestNextRunRollsBackAKilledRunAndSaysSo(t *testing.T) {
	ctx := context.Background()
	for _, next := range []string{"apply", "undo", "verify", "recover"} {
		t.Run(next, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{"a": "A\n", "b": "B\n"})
			tg := open(t, dir)
			var p plan.Plan
			p.Add(plan.Step{Path: "a", Edit: setLine("proxy", "1")}, plan.Step{Path: "b", Edit: setLine("proxy", "1")})
			ch, err := tg.Compute(&p)
			require.NoError(t, err)
			_, err = tg.Apply(ctx, ch, nil)
			require.NoError(t, err)
			applied := snapshot(t, dir)

			// A second apply, "killed" once a is written and b's temporary
			// file is synced: a panic in the hook stops the run where it is,
			// as a kill would (a hook error would fail the write, and the
			// run would put a back itself).
			var q plan.Plan
			q.Add(plan.Step{Path: "a", Edit: setLine("proxy", "2")}, plan.Step{Path: "b", Edit: setLine("proxy", "2")})
			ch, err = tg.Compute(&q)
			require.NoError(t, err)
			type killed struct{}
			plan.SetHook(tg, func(point, p string) error {
				if point == "temp-synced" && p == "b" {
					panic(killed{})
				}
				return nil
			})
			func() {
				defer func() { require.Equal(t, killed{}, recover()) }()
				tg.Apply(ctx, ch, nil)
			}()
			plan.SetHook(tg, nil)
			tg = open(t, dir) // the lock died with the "process"
			require.FileExists(t, filepath.Join(dir, "var/lib/proxykit/journal.json"))
			require.Equal(t, "apply", tg.Interrupted(), "a plan can warn about it")
			require.FileExists(t, filepath.Join(dir, plan.TempName("b")))
			b, err := os.ReadFile(filepath.Join(dir, "a"))
			require.NoError(t, err)
			require.Equal(t, "A\nproxy=2\n", string(b), "a was written")

			var rec *plan.Recovery
			switch next {
			case "apply":
				ch, err := tg.Compute(&p) // as the killed run found it
				require.NoError(t, err)
				_, err = tg.Apply(ctx, ch, nil)
				require.ErrorIs(t, err, plan.ErrStale, "computed before the recovery")
				rec, err = tg.Recover(ctx)
				require.NoError(t, err)
				require.Nil(t, rec, "the failed apply recovered already")
				require.Equal(t, applied, snapshot(t, dir))
				return
			case "undo":
				rep, err := tg.Undo(ctx, nil)
				require.NoError(t, err)
				rec = rep.Recovered
			case "verify":
				v, err := tg.Verify(ctx)
				require.NoError(t, err)
				require.Empty(t, v.Drift, "rolled back to what the last apply left")
				rec = v.Recovered
				require.Equal(t, applied, snapshot(t, dir))
			case "recover":
				rec, err = tg.Recover(ctx)
				require.NoError(t, err)
				require.Equal(t, applied, snapshot(t, dir))
			}
			require.NotNil(t, rec)
			require.Equal(t, "apply", rec.Op)
			require.False(t, rec.Committed)
			require.Equal(t, []string{"a"}, rec.RolledBack)
			require.Contains(t, rec.Removed, plan.TempName("b"))
			require.Contains(t, rec.String(), "an interrupted apply was rolled back: put back a; removed .b.proxykit-tmp")
			requireNoTemp(t, dir)
			require.NoFileExists(t, filepath.Join(dir, "var/lib/proxykit/journal.json"))
			require.Empty(t, tg.Interrupted())
		})
	}
}

// TestRecoverRemovesTemporaryFilesWithoutAJournal: an engine without a
// journal left temporary files beside the files it manages; the next run
// removes them.
func TestRecoverRemovesTemporaryFilesWithoutAJournal(t *testing.T) {
	dir := t.TempDir()
	tg := open(t, dir)
	applyEnv(t, tg, "http://p:1")
	tmp := filepath.Join(dir, plan.TempName("etc/environment"))
	require.NoError(t, os.WriteFile(tmp, []byte("http_proxy=http://u:secret@p:1\n"), 0o644))
	rec, err := tg.Recover(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{plan.TempName("etc/environment")}, rec.Removed)
	require.Equal(t, "removed the temporary files an interrupted run left: etc/.environment.proxykit-tmp", rec.String())
	require.NoFileExists(t, tmp)
}

// TestUndoPerFile: a file changed since apply is left (and named), the
// others restored; the manifest keeps it, and undo -force restores it and
// keeps the changed version beside it, named with the injected time.
func TestUndoPerFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "A\n", "b": "B\n"})
	before := snapshot(t, dir)
	now := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	tg := open(t, dir, plan.WithClock(func() time.Time { return now }))
	var p plan.Plan
	p.Add(plan.Step{Path: "a", Edit: setLine("proxy", "1")}, plan.Step{Path: "b", Edit: setLine("proxy", "1")},
		plan.Step{Path: "c/new", Edit: setLine("proxy", "1")})
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	writeTree(t, dir, map[string]string{"b": "edited by the admin\n"})

	rep, err := tg.Undo(ctx, nil)
	require.ErrorIs(t, err, plan.ErrModified)
	var fe *plan.FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "b", fe.Path)
	require.Equal(t, []string{"b"}, rep.Left)
	require.Equal(t, []string{"a"}, rep.Written)
	require.Contains(t, rep.Removed, "c/new")
	require.Contains(t, rep.Removed, "c")
	b, err := os.ReadFile(filepath.Join(dir, "b"))
	require.NoError(t, err)
	require.Equal(t, "edited by the admin\n", string(b), "left as it is")

	// Leaving it is a choice that keeps the record: undo again leaves it again.
	rep, err = tg.Undo(ctx, nil)
	require.ErrorIs(t, err, plan.ErrModified)
	require.Equal(t, []string{"b"}, rep.Left)

	rep, err = tg.Undo(ctx, nil, "nope")
	require.ErrorIs(t, err, plan.ErrModified)
	require.Equal(t, []string{"nope: apply did not change it, or it is restored already: nothing to force"}, rep.Warnings)

	// A backup never replaces another one of the same second.
	writeTree(t, dir, map[string]string{"b.proxykit-20261201T210000Z": "an earlier backup\n"})
	rep, err = tg.Undo(ctx, nil, "/b")
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, rep.Written)
	require.Equal(t, []string{"b.proxykit-20261201T210000Z-2"}, rep.Backups)
	kept, err := os.ReadFile(filepath.Join(dir, "b.proxykit-20261201T210000Z-2"))
	require.NoError(t, err)
	require.Equal(t, "edited by the admin\n", string(kept))
	require.NoError(t, os.Remove(filepath.Join(dir, "b.proxykit-20261201T210000Z-2")))
	require.NoError(t, os.Remove(filepath.Join(dir, "b.proxykit-20261201T210000Z")))
	require.Equal(t, before, snapshot(t, dir))
	_, err = tg.Undo(ctx, nil)
	require.ErrorIs(t, err, plan.ErrNoManifest)
}

// TestUndoRestoresModificationTimes: a file apply rewrote gets its old
// modification time back.
func TestUndoRestoresModificationTimes(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	old := time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC)
	full := filepath.Join(dir, "etc/environment")
	require.NoError(t, os.Chtimes(full, old, old))
	tg := open(t, dir)
	applyEnv(t, tg, "http://p:1")
	fi, err := os.Stat(full)
	require.NoError(t, err)
	require.NotEqual(t, old, fi.ModTime().UTC())
	_, err = tg.Undo(context.Background(), nil)
	require.NoError(t, err)
	fi, err = os.Stat(full)
	require.NoError(t, err)
	require.Equal(t, old, fi.ModTime().UTC())
}

// TestUndoWarnsWhereAHardLinkWasSplit: apply's rename replaces one name of
// a file with several links by a new file; undo restores the content under
// that name and says the link stays split.
func TestUndoWarnsWhereAHardLinkWasSplit(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	require.NoError(t, os.Link(filepath.Join(dir, "etc/environment"), filepath.Join(dir, "etc/environment.link")))
	tg := open(t, dir)
	ch, err := tg.Compute(envPlan("http://p:1"))
	require.NoError(t, err)
	rep, err := tg.Apply(context.Background(), ch, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"etc/environment had 2 hard links: apply replaced this name with a new file, and its other names keep the old content"}, rep.Warnings)
	rep, err = tg.Undo(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, rep.Warnings, 1)
	require.Contains(t, rep.Warnings[0], "etc/environment had 2 hard links before apply")
	require.Contains(t, rep.String(), "warning: etc/environment had 2 hard links")
}

// TestVerifyNeedsNoPlan compares the files with what the last apply left,
// from the manifest alone: no drift, then each kind of drift.
func TestVerifyNeedsNoPlan(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "A\n", "b": "B\n"})
	tg := open(t, dir)
	_, err := tg.Verify(ctx)
	require.ErrorIs(t, err, plan.ErrNoManifest)
	var p plan.Plan
	p.Add(plan.Step{Path: "a", Edit: setLine("proxy", "1")}, plan.Step{Path: "b", Edit: setLine("proxy", "1")},
		plan.Step{Path: "c", Edit: setLine("proxy", "1")})
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	v, err := tg.Verify(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c"}, v.Files)
	require.Empty(t, v.Drift)
	require.Equal(t, "no drift: all 3 files are as the last apply left them\n", v.String())

	writeTree(t, dir, map[string]string{"a": "A\n", "b": "B\nproxy=2\n"})
	require.NoError(t, os.Remove(filepath.Join(dir, "c")))
	v, err = tg.Verify(ctx)
	require.NoError(t, err)
	require.Equal(t, []plan.Drift{{Path: "a", Problem: "restored"}, {Path: "b", Problem: "changed"}, {Path: "c", Problem: "missing"}}, v.Drift)
	require.True(t, strings.HasPrefix(v.String(), "drift: a: restored\n"))
}

// filesRunner checks, when an action runs, that every file holds its new
// content.
type filesRunner struct {
	t    *testing.T
	dir  string
	want map[string]string
	ran  int
}

func (f *filesRunner) Run(_ context.Context, a plan.Action) error {
	for p, c := range f.want {
		b, err := os.ReadFile(filepath.Join(f.dir, p))
		require.NoError(f.t, err)
		require.Equal(f.t, c, string(b), "%s is in place when %s runs", p, a.Name)
	}
	f.ran++
	return nil
}

// TestActionsRunOnlyWhenEveryFileIsInPlace: the first action runs after the
// last file is written, and none runs when a write fails.
func TestActionsRunOnlyWhenEveryFileIsInPlace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tg := open(t, dir)
	var p plan.Plan
	p.AddAction(plan.Action{Name: "first", Argv: []string{"x"}}, plan.Action{Name: "second", Argv: []string{"y"}})
	p.Add(plan.Step{Path: "a", Edit: constant("A\n"), Actions: []string{"first"}},
		plan.Step{Path: "b", Edit: constant("B\n"), Actions: []string{"second"}},
		plan.Step{Path: "c", Edit: constant("C\n"), Actions: []string{"first"}})
	ch, err := tg.Compute(&p)
	require.NoError(t, err)

	r := &filesRunner{t: t, dir: dir, want: map[string]string{"a": "A\n", "b": "B\n", "c": "C\n"}}
	fail := errors.New("disk full")
	plan.SetHook(tg, func(point, p string) error {
		if point == "temp-synced" && p == "c" {
			return fail
		}
		return nil
	})
	_, err = tg.Apply(ctx, ch, r)
	require.ErrorIs(t, err, fail)
	require.Zero(t, r.ran, "no action runs when a file could not be written")

	plan.SetHook(tg, nil)
	_, err = tg.Apply(ctx, ch, r)
	require.NoError(t, err)
	require.Equal(t, 2, r.ran)
}

// TestRecoverRemovesTheTempOfAJournalNeverWritten: a run killed while it
// writes its journal leaves the journal's temporary file and no journal;
// the next run removes it even when it has nothing to write (a seed of
// TestKillLoop found it).
func TestRecoverRemovesTheTempOfAJournalNeverWritten(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "A\n"})
	tg := open(t, dir)
	var p plan.Plan
	p.Add(plan.Step{Path: "a", Edit: setLine("proxy", "1")})
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)

	var q plan.Plan
	q.Add(plan.Step{Path: "a", Edit: setLine("proxy", "2")})
	ch, err = tg.Compute(&q)
	require.NoError(t, err)
	type killed struct{}
	plan.SetHook(tg, func(point, p string) error {
		if point == "temp-created" && strings.HasSuffix(p, "/journal.json") {
			panic(killed{})
		}
		return nil
	})
	func() {
		defer func() { require.Equal(t, killed{}, recover()) }()
		tg.Apply(ctx, ch, nil)
	}()
	plan.SetHook(tg, nil)
	tg = open(t, dir)
	require.FileExists(t, filepath.Join(dir, "var/lib/proxykit", plan.TempName("journal.json")))
	require.NoFileExists(t, filepath.Join(dir, "var/lib/proxykit/journal.json"))

	rec, err := tg.Recover(ctx)
	require.NoError(t, err)
	require.NotNil(t, rec)
	require.Equal(t, []string{"var/lib/proxykit/" + plan.TempName("journal.json")}, rec.Removed)
	requireNoTemp(t, dir)
}
