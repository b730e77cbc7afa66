package plan_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// The crash test re-executes the test binary as a helper that applies (or
// undoes) a plan and SIGKILLs itself at the Nth point of the engine's test
// hook, for every point the operation passes.
const (
	envCrashDir = "PROXYKIT_PLAN_CRASH_DIR"
	envCrashAt  = "PROXYKIT_PLAN_CRASH_AT"
	envCrashOp  = "PROXYKIT_PLAN_CRASH_OP"
	envCrashLog = "PROXYKIT_PLAN_CRASH_LOG"
)

// logRunner appends each action's name to a file, which survives the
// helper's death.
type logRunner string

func (l logRunner) Run(_ context.Context, a plan.Action) error {
	f, err := os.OpenFile(string(l), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintln(f, a.Name)
	return err
}

func (l logRunner) ran(t *testing.T) []string {
	b, err := os.ReadFile(string(l))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	return strings.Fields(string(b))
}

var crashFiles = map[string]string{
	"etc/environment":            "LANG=C\n",
	"etc/yum.conf":               "[main]\ngpgcheck=1\n",
	"etc/ssl/certs/java/cacerts": "\xfe\xed\xfe\xed\x00\x00\x00\x02 store",
}

// crashTargets are the files the crash plan changes, by their real path.
var crashTargets = []string{
	"etc/environment", "etc/yum.conf", "etc/ssl/certs/java/cacerts",
	"etc/systemd/system/docker.service.d/http-proxy.conf", "etc/profile.d/proxy.sh",
}

var crashTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// crashClock names undo -force's backups the same in every run.
var crashClock = plan.WithClock(func() time.Time { return crashTime })

// crashBackup is the admin's version that undo -force keeps.
const crashBackup = "etc/environment.proxykit-20240506T070809Z"

func crashTree(t testing.TB) string {
	dir := t.TempDir()
	writeTree(t, dir, crashFiles)
	for p := range crashFiles {
		// The manifest records the files' times: the same in every tree.
		require.NoError(t, os.Chtimes(filepath.Join(dir, p), crashTime, crashTime))
	}
	symlink(t.(*testing.T), "/etc/ssl/certs/java/cacerts", dir, "usr/lib/jvm/java-17/lib/security/cacerts")
	return dir
}

// crashPlan sets proxy in five files: two existing, one reached through
// the JDK's absolute link, two new in new directories; two actions.
func crashPlan(proxy string) *plan.Plan {
	var p plan.Plan
	p.AddAction(
		plan.Action{Name: "daemon-reload", Argv: []string{"systemctl", "daemon-reload"}},
		plan.Action{Name: "update-ca", Argv: []string{"update-ca-certificates"}},
	)
	p.Add(
		plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", proxy)},
		plan.Step{Path: "etc/yum.conf", Edit: setLine("proxy", proxy)},
		plan.Step{Path: "usr/lib/jvm/java-17/lib/security/cacerts", Edit: setLine("ca", proxy), Actions: []string{"update-ca"}},
		plan.Step{Path: "etc/systemd/system/docker.service.d/http-proxy.conf", Edit: setLine("Environment", "HTTP_PROXY="+proxy), Secret: true, Actions: []string{"daemon-reload"}},
		plan.Step{Path: "etc/profile.d/proxy.sh", Edit: setLine("export http_proxy", proxy)},
	)
	return &p
}

const (
	proxyA = "http://proxy:3128"
	proxyB = "http://other:8080"
)

// A crashScenario is an operation the helper is killed in, on a tree
// prepared by setup, and how a later run completes it.
type crashScenario struct {
	name  string
	setup func(context.Context, *plan.Target) error
	run   func(context.Context, *plan.Target, plan.Runner) error
}

func applyPlan(proxy string) func(context.Context, *plan.Target, plan.Runner) error {
	return func(ctx context.Context, tg *plan.Target, r plan.Runner) error {
		if _, err := tg.Recover(ctx); err != nil {
			return err
		}
		ch, err := tg.Compute(crashPlan(proxy))
		if err != nil {
			return err
		}
		_, err = tg.Apply(ctx, ch, r)
		return err
	}
}

func undo(ctx context.Context, tg *plan.Target, r plan.Runner) error {
	_, err := tg.Undo(ctx, r)
	return err
}

var crashScenarios = []crashScenario{
	{name: "apply", run: applyPlan(proxyA)},
	{name: "reapply", setup: func(ctx context.Context, tg *plan.Target) error { return applyPlan(proxyA)(ctx, tg, nil) }, run: applyPlan(proxyB)},
	{name: "undo", setup: func(ctx context.Context, tg *plan.Target) error { return applyPlan(proxyA)(ctx, tg, nil) }, run: undo},
	{name: "undo -force", setup: func(ctx context.Context, tg *plan.Target) error {
		if err := applyPlan(proxyA)(ctx, tg, nil); err != nil {
			return err
		}
		// The admin edits one file: undo -force restores it and keeps the
		// edit beside it.
		return os.WriteFile(filepath.Join(tg.Dir(), "etc/environment"), []byte("edited by the admin\n"), 0o644)
	}, run: func(ctx context.Context, tg *plan.Target, r plan.Runner) error {
		_, err := tg.Undo(ctx, r, "etc/environment")
		return err
	}},
}

func scenario(name string) crashScenario {
	for _, s := range crashScenarios {
		if s.name == name {
			return s
		}
	}
	panic("no crash scenario " + name)
}

// TestCrashChild is the helper process; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("helper process of TestCrash")
	}
	at, err := strconv.Atoi(os.Getenv(envCrashAt))
	require.NoError(t, err)
	tg, err := plan.Open(dir, crashClock)
	require.NoError(t, err)
	plan.NoSync(tg)
	n := 0
	plan.SetHook(tg, func(string, string) error {
		if n++; n == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return nil
	})
	s := scenario(os.Getenv(envCrashOp))
	require.NoError(t, s.run(context.Background(), tg, logRunner(os.Getenv(envCrashLog))))
}

// runCrashChild runs the helper on dir, to be killed at point at; it
// reports whether the helper was killed (false: it completed).
func runCrashChild(t *testing.T, dir, op string, at int, log logRunner) bool {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashAt+"="+strconv.Itoa(at), envCrashOp+"="+op, envCrashLog+"="+string(log))
	out, err := cmd.CombinedOutput()
	if err == nil {
		return false
	}
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "%v", err)
	ws := ee.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "helper failed: %v\n%s", err, out)
	return true
}

// contents reads the crash targets; a missing file is absent from the map.
func contents(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	for _, p := range crashTargets {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err == nil {
			out[p] = string(b)
		} else {
			require.ErrorIs(t, err, os.ErrNotExist)
		}
	}
	return out
}

// TestCrash kills a process applying a plan, applying another over it, and
// undoing it, at every point the engine's hook marks. Each target is then
// either as before the operation or as after it, the JDK's link is kept,
// running the operation again completes it, every action it triggers has
// run by then (at least once: a crash after an action ran and before the
// manifest said so repeats it), and undo returns the original tree.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the helper process many times")
	}
	ctx := context.Background()
	orig := snapshot(t, crashTree(t))
	actions := []string{"daemon-reload", "update-ca"}

	for _, s := range crashScenarios {
		// Reference: the tree before and after an uninterrupted run, and the
		// number of hook points the run passes.
		ref := crashTree(t)
		tg := open(t, ref, crashClock)
		plan.NoSync(tg)
		if s.setup != nil {
			require.NoError(t, s.setup(ctx, tg))
		}
		before := contents(t, ref)
		points := 0
		plan.SetHook(tg, func(string, string) error { points++; return nil })
		require.NoError(t, s.run(ctx, tg, nil))
		after, done := contents(t, ref), snapshot(t, ref)
		require.Greater(t, points, 10, "%s passes too few points", s.name)

		for at := 1; at <= points; at++ {
			t.Run(fmt.Sprintf("%s killed at point %d of %d", s.name, at, points), func(t *testing.T) {
				t.Parallel()
				dir := crashTree(t)
				tg := open(t, dir, crashClock)
				plan.NoSync(tg)
				if s.setup != nil {
					require.NoError(t, s.setup(ctx, tg))
				}
				log := logRunner(filepath.Join(t.TempDir(), "actions.log"))
				require.True(t, runCrashChild(t, dir, s.name, at, log), "the helper passed fewer points than counted")

				got := contents(t, dir)
				for _, p := range crashTargets {
					b, bOK := before[p]
					a, aOK := after[p]
					g, gOK := got[p]
					require.True(t, gOK == bOK && g == b || gOK == aOK && g == a, "%s is neither as before nor as after: %q", p, g)
				}
				requireTempsPrivate(t, dir)
				l, err := os.Readlink(filepath.Join(dir, "usr/lib/jvm/java-17/lib/security/cacerts"))
				require.NoError(t, err)
				require.Equal(t, "/etc/ssl/certs/java/cacerts", l, "the link is kept")

				err = s.run(ctx, tg, log)
				isUndo := strings.HasPrefix(s.name, "undo")
				if isUndo && errors.Is(err, plan.ErrNoManifest) {
					err = nil // killed once the manifest was gone: the undo was complete
				}
				require.NoError(t, err)
				require.Equal(t, done, snapshot(t, dir), "running %s again completes it", s.name)
				require.Subset(t, log.ran(t), actions, "no action is lost")

				if !isUndo {
					require.NoError(t, undo(ctx, tg, nil))
				}
				if s.name == "undo -force" {
					b, err := os.ReadFile(filepath.Join(dir, crashBackup))
					require.NoError(t, err)
					require.Equal(t, "edited by the admin\n", string(b))
					require.NoError(t, os.Remove(filepath.Join(dir, crashBackup)))
				}
				require.Equal(t, orig, snapshot(t, dir), "undo restores the original tree")
			})
		}
	}
}

// requireTempsPrivate checks that every temporary file a killed run left is
// readable by its owner only: none shows a secret to other users.
func requireTempsPrivate(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(d.Name(), ".proxykit-tmp") || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		require.NoError(t, err)
		require.Zero(t, fi.Mode().Perm()&0o077, "%s is %v", p, fi.Mode())
		return nil
	}))
}
