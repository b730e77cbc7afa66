package plan_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// The crash test re-executes the test binary as a helper that applies (or
// undoes) a plan and SIGKILLs itself at the Nth point of the engine's test
// hook, for every N until the helper completes.
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

func crashTree(t testing.TB) string {
	dir := t.TempDir()
	writeTree(t, dir, crashFiles)
	symlink(t.(*testing.T), "/etc/ssl/certs/java/cacerts", dir, "usr/lib/jvm/java-17/lib/security/cacerts")
	return dir
}

func crashPlan() *plan.Plan {
	var p plan.Plan
	p.AddAction(
		plan.Action{Name: "daemon-reload", Argv: []string{"systemctl", "daemon-reload"}},
		plan.Action{Name: "update-ca", Argv: []string{"update-ca-certificates"}},
	)
	p.Add(
		plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", "http://proxy:3128")},
		plan.Step{Path: "etc/yum.conf", Edit: setLine("proxy", "http://proxy:3128")},
		plan.Step{Path: "usr/lib/jvm/java-17/lib/security/cacerts", Edit: setLine("ca", "proxy"), Actions: []string{"update-ca"}},
		plan.Step{Path: "etc/systemd/system/docker.service.d/http-proxy.conf", Edit: setLine("Environment", "HTTP_PROXY=x"), Secret: true, Actions: []string{"daemon-reload"}},
		plan.Step{Path: "etc/profile.d/proxy.sh", Edit: setLine("export http_proxy", "x")},
	)
	return &p
}

// TestCrashChild is the helper process; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("helper process of TestCrash")
	}
	at, err := strconv.Atoi(os.Getenv(envCrashAt))
	require.NoError(t, err)
	tg, err := plan.Open(dir)
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
	ctx := context.Background()
	runner := logRunner(os.Getenv(envCrashLog))
	if os.Getenv(envCrashOp) == "undo" {
		_, err = tg.Undo(ctx, runner)
		require.NoError(t, err)
		return
	}
	ch, err := tg.Compute(crashPlan())
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, runner)
	require.NoError(t, err)
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

// contents reads the crash targets; "" for a missing file.
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

// TestCrash kills a process applying a plan, then one undoing it, at every
// point the engine's hook marks: each target is then either its old or its
// new content, the link is kept, the next apply (or undo) completes, and
// every action the change triggers has run by then (at least once: a crash
// after an action ran and before the manifest said so repeats it).
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the helper process many times")
	}
	ctx := context.Background()

	// The old and new content of each target, from an uninterrupted run.
	ref := crashTree(t)
	orig := snapshot(t, ref)
	old := contents(t, ref)
	tg := open(t, ref)
	plan.NoSync(tg)
	ch, err := tg.Compute(crashPlan())
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	applied := snapshot(t, ref)
	new := contents(t, ref)

	requireWhole := func(t *testing.T, dir string) {
		t.Helper()
		got := contents(t, dir)
		for _, p := range crashTargets {
			o, oOK := old[p]
			n := new[p]
			g, gOK := got[p]
			require.True(t, (gOK == oOK && g == o) || (gOK && g == n), "%s is neither old nor new: %q", p, g)
		}
		l, err := os.Readlink(filepath.Join(dir, "usr/lib/jvm/java-17/lib/security/cacerts"))
		require.NoError(t, err)
		require.Equal(t, "/etc/ssl/certs/java/cacerts", l)
	}

	// countPoints runs op in-process with a counting hook: the helper,
	// running the same plan, passes the same points.
	countPoints := func(op string) int {
		dir := crashTree(t)
		tg := open(t, dir)
		plan.NoSync(tg)
		if op == "undo" {
			ch, err := tg.Compute(crashPlan())
			require.NoError(t, err)
			_, err = tg.Apply(ctx, ch, nil)
			require.NoError(t, err)
		}
		n := 0
		plan.SetHook(tg, func(string, string) error { n++; return nil })
		if op == "undo" {
			_, err = tg.Undo(ctx, nil)
		} else {
			var ch *plan.Changes
			ch, err = tg.Compute(crashPlan())
			require.NoError(t, err)
			_, err = tg.Apply(ctx, ch, nil)
		}
		require.NoError(t, err)
		return n
	}

	for _, op := range []string{"apply", "undo"} {
		points := countPoints(op)
		require.Greater(t, points, 10, "%s passes too few points", op)
		for at := 1; at <= points; at++ {
			t.Run(fmt.Sprintf("%s killed at point %d of %d", op, at, points), func(t *testing.T) {
				t.Parallel()
				dir := crashTree(t)
				tg := open(t, dir)
				plan.NoSync(tg)
				if op == "undo" {
					ch, err := tg.Compute(crashPlan())
					require.NoError(t, err)
					_, err = tg.Apply(ctx, ch, nil)
					require.NoError(t, err)
				}
				log := logRunner(filepath.Join(t.TempDir(), "actions.log"))
				require.True(t, runCrashChild(t, dir, op, at, log), "the helper passed fewer points than counted")
				requireWhole(t, dir)
				if op == "apply" {
					ch, err := tg.Compute(crashPlan())
					require.NoError(t, err)
					_, err = tg.Apply(ctx, ch, log)
					require.NoError(t, err)
					require.Equal(t, applied, snapshot(t, dir), "the next apply completes")
					require.Subset(t, log.ran(t), []string{"daemon-reload", "update-ca"}, "no action is lost")
					log = logRunner(filepath.Join(t.TempDir(), "undo.log"))
				}
				_, err := tg.Undo(ctx, log)
				if op == "undo" && errors.Is(err, plan.ErrNoManifest) {
					err = nil // killed once the manifest was gone: the undo was complete
				}
				require.NoError(t, err)
				require.Equal(t, orig, snapshot(t, dir), "undo restores the original tree")
				require.Subset(t, log.ran(t), []string{"daemon-reload", "update-ca"}, "no action is lost")
			})
		}
	}
}
