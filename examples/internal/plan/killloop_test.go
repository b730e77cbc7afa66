package plan_test

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// The SIGKILL loop: a child process applies and undoes plans on one tree
// without end; the test kills it at random times, checks the tree after
// each kill, and starts it again on the same tree.
const (
	envKillDir = "PROXYKIT_PLAN_KILL_DIR"
	// EnvKills sets how many times TestKillLoop kills the child (default
	// 20; run by hand with hundreds: PROXYKIT_PLAN_KILLS=500).
	envKills = "PROXYKIT_PLAN_KILLS"
)

// TestKillLoopChild is the child; it does nothing in a normal run.
func TestKillLoopChild(t *testing.T) {
	dir := os.Getenv(envKillDir)
	if dir == "" {
		t.Skip("helper process of TestKillLoop")
	}
	ctx := context.Background()
	tg, err := plan.Open(dir)
	require.NoError(t, err)
	plan.NoSync(tg) // a kill is not a power cut: the kernel keeps what was written
	os.Stdout.WriteString("ready\n")
	for i := 0; ; i++ {
		proxy := proxyA
		if i%2 == 1 {
			proxy = proxyB
		}
		require.NoError(t, applyPlan(proxy)(ctx, tg, nil))
		if i%3 == 2 {
			require.NoError(t, undo(ctx, tg, nil))
		}
	}
}

// TestKillLoop kills a process that applies and undoes plans at random
// times, PROXYKIT_PLAN_KILLS times (20 by default). After each kill every
// file holds whole content — as before any apply, as proxy A or B left it —
// every temporary file is readable by its owner only, and the JDK's link is
// kept. Then the next apply leaves no temporary file and gives exactly what
// an uninterrupted apply gives, and undo returns the original tree.
func TestKillLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a helper process many times")
	}
	kills := 20
	if s := os.Getenv(envKills); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		kills = n
	}
	ctx := context.Background()
	orig := snapshot(t, crashTree(t))
	before := contents(t, crashTree(t))
	whole := map[string]map[string]bool{}
	for p, c := range before {
		whole[p] = map[string]bool{c: true}
	}
	var doneA map[string]string
	for _, proxy := range []string{proxyB, proxyA} {
		ref := crashTree(t)
		tg := open(t, ref)
		require.NoError(t, applyPlan(proxy)(ctx, tg, nil))
		for p, c := range contents(t, ref) {
			if whole[p] == nil {
				whole[p] = map[string]bool{}
			}
			whole[p][c] = true
		}
		doneA = snapshot(t, ref)
	}
	delete(doneA, "var/lib/proxykit/manifest.json") // it counts the runs

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	dir := crashTree(t)
	start := time.Now()
	mid := 0
	for k := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillLoopChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envKillDir+"="+dir)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		line, _ := bufio.NewReader(out).ReadString('\n')
		require.Equal(t, "ready\n", line, "kill %d: the child did not start", k)
		time.Sleep(time.Duration(rng.Int64N(int64(15 * time.Millisecond))))
		require.NoError(t, cmd.Process.Kill()) // SIGKILL
		err = cmd.Wait()
		require.Error(t, err, "kill %d: the child ended by itself", k)

		for p, c := range contents(t, dir) {
			require.True(t, whole[p][c], "kill %d: %s is torn: %q", k, p, c)
		}
		for p := range whole {
			if _, ok := contents(t, dir)[p]; !ok {
				_, existed := before[p]
				require.False(t, existed, "kill %d: %s is gone", k, p)
			}
		}
		requireTempsPrivate(t, dir)
		if _, err := os.Stat(filepath.Join(dir, "var/lib/proxykit/journal.json")); err == nil {
			mid++
		}
		l, err := os.Readlink(filepath.Join(dir, "usr/lib/jvm/java-17/lib/security/cacerts"))
		require.NoError(t, err)
		require.Equal(t, "/etc/ssl/certs/java/cacerts", l, "kill %d: the link is kept", k)
	}
	t.Logf("%d kills in %v; %d left a run to recover", kills, time.Since(start).Round(time.Millisecond), mid)

	tg := open(t, dir)
	require.NoError(t, applyPlan(proxyA)(ctx, tg, nil))
	requireNoTemp(t, dir)
	got := snapshot(t, dir)
	delete(got, "var/lib/proxykit/manifest.json")
	require.Equal(t, doneA, got, "the next apply gives what an uninterrupted one gives")
	require.NoError(t, undo(ctx, tg, nil))
	require.Equal(t, orig, snapshot(t, dir), "undo restores the original tree")
}
