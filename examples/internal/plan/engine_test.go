package plan_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

func envPlan(value string) *plan.Plan {
	var p plan.Plan
	p.AddAction(plan.Action{Name: "reload", Argv: []string{"reload"}})
	p.Add(plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", value), Actions: []string{"reload"}})
	return &p
}

func TestPlanValidation(t *testing.T) {
	tg := open(t, t.TempDir())
	for _, tc := range []struct {
		name string
		plan plan.Plan
		want error
	}{
		{"unknown action", plan.Plan{Steps: []plan.Step{{Path: "a", Edit: identity, Actions: []string{"nope"}}}}, plan.ErrInvalidPlan},
		{"duplicate action", plan.Plan{Actions: []plan.Action{{Name: "a", Argv: []string{"x"}}, {Name: "a", Argv: []string{"y"}}}}, plan.ErrInvalidPlan},
		{"action without command", plan.Plan{Actions: []plan.Action{{Name: "a"}}}, plan.ErrInvalidPlan},
		{"step without edit", plan.Plan{Steps: []plan.Step{{Path: "a"}}}, plan.ErrInvalidPlan},
		{"mode beyond permissions", plan.Plan{Steps: []plan.Step{{Path: "a", Edit: identity, Mode: os.ModeDir | 0o755}}}, plan.ErrInvalidPlan},
		{"empty path", plan.Plan{Steps: []plan.Step{{Path: "", Edit: identity}}}, plan.ErrBadPath},
		{"backslash in path", plan.Plan{Steps: []plan.Step{{Path: `etc\..\x`, Edit: identity}}}, plan.ErrBadPath},
		{"the manifest's directory", plan.Plan{Steps: []plan.Step{{Path: "var/lib/proxykit/manifest.json", Edit: identity}}}, plan.ErrBadPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tg.Compute(&tc.plan)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestNonIdempotentEditIsRefused(t *testing.T) {
	dir := t.TempDir()
	tg := open(t, dir)
	var p plan.Plan
	p.Add(plan.Step{Path: "etc/environment", Edit: func(old []byte) ([]byte, error) {
		return append(old, "http_proxy=x\n"...), nil // appends on every run
	}})
	_, err := tg.Compute(&p)
	require.ErrorIs(t, err, plan.ErrNotIdempotent)
	var fe *plan.FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "etc/environment", fe.Path)
}

func TestEditCannotCorruptTheEnginesCopy(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f": "abc\n"})
	tg := open(t, dir)
	var p plan.Plan
	p.Add(plan.Step{Path: "f", Edit: func(old []byte) ([]byte, error) {
		for i := range old {
			old[i] = 'x' // a careless edit scribbling on its input
		}
		return []byte("xxx\n"), nil
	}})
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	require.Equal(t, "abc\n", string(ch.Files[0].Old))
	_, err = tg.Apply(context.Background(), ch, nil)
	require.NoError(t, err)
}

func TestApplyRefusesStaleChanges(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	tg := open(t, dir)
	ch, err := tg.Compute(envPlan("http://p:1"))
	require.NoError(t, err)
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=de_DE\n"})
	before := snapshot(t, dir)
	_, err = tg.Apply(context.Background(), ch, nil)
	require.ErrorIs(t, err, plan.ErrStale)
	require.Equal(t, before, snapshot(t, dir), "nothing written")
}

func TestApplyRefusesChangesOfAnotherTarget(t *testing.T) {
	a, b := open(t, t.TempDir()), open(t, t.TempDir())
	ch, err := a.Compute(envPlan("x"))
	require.NoError(t, err)
	_, err = b.Apply(context.Background(), ch, nil)
	require.Error(t, err)
}

func TestUndoRefusesToLoseLaterChanges(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	tg := open(t, dir)
	ch, err := tg.Compute(envPlan("http://p:1"))
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	writeTree(t, dir, map[string]string{"etc/environment": "edited by hand\n"})
	before := snapshot(t, dir)
	_, err = tg.Undo(ctx, nil)
	require.ErrorIs(t, err, plan.ErrModified)
	var fe *plan.FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "etc/environment", fe.Path)
	require.Equal(t, before, snapshot(t, dir), "nothing restored")
}

func TestActions(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("exit status 1")
	t.Run("a failed action is reported and retried by the next apply", func(t *testing.T) {
		dir := t.TempDir()
		tg := open(t, dir)
		rec := &plan.Recorder{Fail: map[string]error{"reload": boom}}
		ch, err := tg.Compute(envPlan("a"))
		require.NoError(t, err)
		rep, err := tg.Apply(ctx, ch, rec)
		var ae *plan.ActionError
		require.ErrorAs(t, err, &ae)
		require.ErrorIs(t, err, boom)
		require.Equal(t, "reload", ae.Action.Name)
		require.Equal(t, []string{"reload"}, rep.Failed)
		require.Equal(t, []string{"etc/environment"}, rep.Created, "files are written before actions run")

		rec = &plan.Recorder{}
		ch, err = tg.Compute(envPlan("a"))
		require.NoError(t, err)
		require.True(t, ch.Empty())
		rep, err = tg.Apply(ctx, ch, rec)
		require.NoError(t, err)
		require.Equal(t, []string{"reload"}, rec.Ran(), "the pending action runs again")
		require.Equal(t, []string{"reload"}, rep.Ran)

		rec.Reset()
		_, err = tg.Apply(ctx, ch, rec)
		require.NoError(t, err)
		require.Empty(t, rec.Ran(), "and only until it succeeded")
	})
	t.Run("a failed action of undo is retried by the next undo", func(t *testing.T) {
		dir := t.TempDir()
		before := snapshot(t, dir)
		tg := open(t, dir)
		ch, err := tg.Compute(envPlan("a"))
		require.NoError(t, err)
		_, err = tg.Apply(ctx, ch, nil)
		require.NoError(t, err)
		rep, err := tg.Undo(ctx, &plan.Recorder{Fail: map[string]error{"reload": boom}})
		require.ErrorIs(t, err, boom)
		require.Equal(t, []string{"etc/environment", "etc"}, rep.Removed, "files are restored before actions run")
		rec := &plan.Recorder{}
		_, err = tg.Undo(ctx, rec)
		require.NoError(t, err)
		require.Equal(t, []string{"reload"}, rec.Ran())
		require.Equal(t, before, snapshot(t, dir))
		_, err = tg.Undo(ctx, rec)
		require.ErrorIs(t, err, plan.ErrNoManifest)
	})
	t.Run("NoActions skips and reports", func(t *testing.T) {
		tg := open(t, t.TempDir())
		ch, err := tg.Compute(envPlan("a"))
		require.NoError(t, err)
		rep, err := tg.Apply(ctx, ch, plan.NoActions)
		require.NoError(t, err)
		require.Equal(t, []string{"reload"}, rep.Skipped)
		require.Empty(t, rep.Ran)
	})
	t.Run("each action once, in plan order, only for changed files", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"same": "k=v\n"})
		tg := open(t, dir)
		var p plan.Plan
		p.AddAction(
			plan.Action{Name: "first", Argv: []string{"1"}},
			plan.Action{Name: "second", Argv: []string{"2"}},
			plan.Action{Name: "third", Argv: []string{"3"}},
		)
		p.Add(
			plan.Step{Path: "a", Edit: constant("a\n"), Actions: []string{"second", "first"}},
			plan.Step{Path: "b", Edit: constant("b\n"), Actions: []string{"first", "second"}},
			plan.Step{Path: "same", Edit: setLine("k", "v"), Actions: []string{"third"}},
		)
		rec := &plan.Recorder{}
		ch, err := tg.Compute(&p)
		require.NoError(t, err)
		_, err = tg.Apply(ctx, ch, rec)
		require.NoError(t, err)
		require.Equal(t, []string{"first", "second"}, rec.Ran())
	})
	t.Run("a failed action's output is masked", func(t *testing.T) {
		tg := open(t, t.TempDir())
		var p plan.Plan
		p.AddSecret("s3cret")
		p.AddAction(plan.Action{Name: "leak", Argv: []string{"sh", "-c", "echo bad password s3cret for http://u:other@proxy >&2; exit 1"}})
		p.Add(plan.Step{Path: "f", Edit: constant("x\n"), Actions: []string{"leak"}})
		ch, err := tg.Compute(&p)
		require.NoError(t, err)
		_, err = tg.Apply(ctx, ch, plan.Exec{})
		var ae *plan.ActionError
		require.ErrorAs(t, err, &ae)
		require.Equal(t, "bad password xxxxx for http://u:xxxxx@proxy\n", string(ae.Output))
		require.NotContains(t, err.Error(), "s3cret")
	})
	t.Run("Exec keeps a failed command's output", func(t *testing.T) {
		err := plan.Exec{}.Run(ctx, plan.Action{Name: "fail", Argv: []string{"sh", "-c", "echo cannot reload >&2; exit 3"}})
		var ae *plan.ActionError
		require.ErrorAs(t, err, &ae)
		require.Equal(t, "cannot reload\n", string(ae.Output))
		require.Contains(t, err.Error(), "action fail (sh -c")
		require.Contains(t, err.Error(), ": cannot reload")
		require.NoError(t, plan.Exec{}.Run(ctx, plan.Action{Name: "ok", Argv: []string{"true"}}))
	})
}

// holdLock applies a plan on dir and stops inside the lock until release is
// closed; it returns once the lock is held.
func holdLock(t *testing.T, dir string) (release func(), done <-chan error) {
	tg := open(t, dir)
	ch, err := tg.Compute(envPlan("held"))
	require.NoError(t, err)
	held, rel := make(chan struct{}), make(chan struct{})
	plan.SetHook(tg, func(point, _ string) error {
		if point == "locked" {
			close(held)
			<-rel
		}
		return nil
	})
	errc := make(chan error, 1)
	go func() {
		_, err := tg.Apply(context.Background(), ch, nil)
		errc <- err
	}()
	<-held
	return sync.OnceFunc(func() { close(rel) }), errc
}

func TestLock(t *testing.T) {
	ctx := context.Background()
	t.Run("a second run fails clearly when the wait is over", func(t *testing.T) {
		dir := t.TempDir()
		release, done := holdLock(t, dir)
		defer release()
		other := open(t, dir, plan.WithLockWait(20*time.Millisecond))
		ch, err := other.Compute(envPlan("other"))
		require.NoError(t, err)
		before := snapshot(t, dir)
		_, err = other.Apply(ctx, ch, nil)
		require.ErrorIs(t, err, plan.ErrLocked)
		_, err = other.Undo(ctx, nil)
		require.ErrorIs(t, err, plan.ErrLocked)
		require.Equal(t, before, snapshot(t, dir))
		release()
		require.NoError(t, <-done)
	})
	t.Run("a waiting run proceeds and finds its changes stale", func(t *testing.T) {
		dir := t.TempDir()
		release, done := holdLock(t, dir)
		other := open(t, dir)
		ch, err := other.Compute(envPlan("other"))
		require.NoError(t, err)
		errc := make(chan error, 1)
		go func() {
			_, err := other.Apply(ctx, ch, nil)
			errc <- err
		}()
		release()
		require.NoError(t, <-done)
		require.ErrorIs(t, <-errc, plan.ErrStale)
		got, err := os.ReadFile(filepath.Join(dir, "etc/environment"))
		require.NoError(t, err)
		require.Equal(t, "http_proxy=held\n", string(got))
	})
	t.Run("a cancelled context stops the wait", func(t *testing.T) {
		dir := t.TempDir()
		release, done := holdLock(t, dir)
		defer func() { release(); <-done }()
		other := open(t, dir)
		ch, err := other.Compute(envPlan("other"))
		require.NoError(t, err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = other.Apply(cctx, ch, nil)
		require.ErrorIs(t, err, context.Canceled)
	})
}

// TestConcurrentApplies races runs on one root that each compute and apply
// until their plan holds; every run ends consistent, and one undo restores
// the root.
func TestConcurrentApplies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	before := snapshot(t, dir)
	var p plan.Plan
	p.AddAction(plan.Action{Name: "reload", Argv: []string{"reload"}})
	for _, f := range []string{"etc/environment", "etc/a", "etc/b/c", "etc/d"} {
		p.Add(plan.Step{Path: f, Edit: setLine("http_proxy", "http://p:1"), Actions: []string{"reload"}})
	}
	rec := &plan.Recorder{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			tg, err := plan.Open(dir)
			if err != nil {
				errs <- err
				return
			}
			defer tg.Close()
			for {
				ch, err := tg.Compute(&p)
				if err != nil {
					errs <- err
					return
				}
				_, err = tg.Apply(ctx, ch, rec)
				if errors.Is(err, plan.ErrStale) {
					continue // another run got there first; look again
				}
				errs <- err
				return
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, []string{"reload"}, rec.Ran(), "one run changed the files, the action ran once")
	tg := open(t, dir)
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	require.True(t, ch.Empty())
	_, err = tg.Undo(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, before, snapshot(t, dir))
}

func TestComputeUndo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	tg := open(t, dir)
	_, err := tg.ComputeUndo()
	require.ErrorIs(t, err, plan.ErrNoManifest)

	var p plan.Plan
	p.Add(plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", "x")},
		plan.Step{Path: "etc/new", Edit: constant("new\n")})
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	applied := snapshot(t, dir)

	undo, err := tg.ComputeUndo()
	require.NoError(t, err)
	require.Len(t, undo.Files, 2)
	require.Equal(t, "LANG=C\n", string(undo.Files[0].New))
	require.True(t, undo.Files[1].Removed())
	require.Equal(t, applied, snapshot(t, dir), "a preview writes nothing")
	_, err = tg.Apply(ctx, undo, nil)
	require.Error(t, err, "an undo preview cannot be applied")

	writeTree(t, dir, map[string]string{"etc/new": "edited\n"})
	_, err = tg.ComputeUndo()
	require.ErrorIs(t, err, plan.ErrModified)
}

const envLockChild = "PROXYKIT_PLAN_LOCK_CHILD"

// TestLockChild is the helper of TestLockAcrossProcesses; it does nothing in
// a normal run. It exits 3 when the root is locked.
func TestLockChild(t *testing.T) {
	dir := os.Getenv(envLockChild)
	if dir == "" {
		t.Skip("helper process of TestLockAcrossProcesses")
	}
	tg, err := plan.Open(dir, plan.WithLockWait(50*time.Millisecond))
	require.NoError(t, err)
	ch, err := tg.Compute(envPlan("child"))
	require.NoError(t, err)
	_, err = tg.Apply(context.Background(), ch, nil)
	if errors.Is(err, plan.ErrLocked) {
		os.Exit(3)
	}
	require.NoError(t, err)
}

func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	release, done := holdLock(t, dir)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envLockChild+"="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	require.Equal(t, 3, ee.ExitCode(), "the other process found the root locked: %s", out)
	release()
	require.NoError(t, <-done)

	cmd = exec.Command(os.Args[0], "-test.run=^TestLockChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envLockChild+"="+dir)
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "once released, the other process applies: %s", out)
	got, err := os.ReadFile(filepath.Join(dir, "etc/environment"))
	require.NoError(t, err)
	require.Equal(t, "http_proxy=child\n", string(got))
}

func TestManifestElsewhere(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tg := open(t, dir, plan.WithManifest("/srv/pk/state.json"))
	require.Equal(t, dir, tg.Dir())

	var bad plan.Plan
	bad.Add(plan.Step{Path: "srv/pk/x", Edit: identity})
	_, err := tg.Compute(&bad)
	require.ErrorIs(t, err, plan.ErrBadPath, "the state directory is the engine's")

	ch, err := tg.Compute(envPlan("x"))
	require.NoError(t, err)
	rep, err := tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	require.Equal(t, "srv/pk/state.json", rep.Manifest)
	require.FileExists(t, filepath.Join(dir, "srv/pk/state.json"))

	// Someone else keeps a file in the state directory: undo removes the
	// manifest and leaves the directories that are not empty.
	writeTree(t, dir, map[string]string{"srv/pk/notes": "mine\n"})
	_, err = tg.Undo(ctx, nil)
	require.NoError(t, err)
	require.NoFileExists(t, filepath.Join(dir, "srv/pk/state.json"))
	require.FileExists(t, filepath.Join(dir, "srv/pk/notes"))
	require.NoFileExists(t, filepath.Join(dir, "etc/environment"))

	_, err = plan.Open(dir, plan.WithManifest("../state.json"))
	require.ErrorIs(t, err, plan.ErrBadPath)
}
