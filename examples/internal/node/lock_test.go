package node_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// syncBuffer is a bytes.Buffer safe to read while the program writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSecondApplyWaitsAndPlansAgain: an apply started while another run
// holds the root's lock says it waits, and once that run is done and has
// changed the files, plans again from what it left instead of failing with
// "file changed since the plan was computed".
func TestSecondApplyWaitsAndPlansAgain(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "etc", "environment")
	require.NoError(t, os.MkdirAll(filepath.Dir(env), 0o755))
	require.NoError(t, os.WriteFile(env, []byte("LANG=C\n"), 0o644))
	prog := &node.Program{
		Name: "locktest",
		Build: func(n *node.Node) error {
			edit, _, err := n.Config.Settings.EtcEnvironment()
			if err != nil {
				return err
			}
			n.Edit(plan.Step{Path: "etc/environment", Edit: edit})
			return nil
		},
	}

	// The other run: holds the lock on the root, as the engine takes it.
	d, err := os.Open(dir)
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, syscall.Flock(int(d.Fd()), syscall.LOCK_EX))

	var stdout bytes.Buffer
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- prog.Run([]string{"-root", dir, "-proxy", "http://proxy.corp:3128", "apply"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "waiting for it") {
		require.True(t, time.Now().Before(deadline), "no message while waiting: %q", stderr.String())
		time.Sleep(10 * time.Millisecond)
	}
	// The other run changes the file, then lets go.
	require.NoError(t, os.WriteFile(env, []byte("LANG=de_DE.UTF-8\n"), 0o644))
	require.NoError(t, syscall.Flock(int(d.Fd()), syscall.LOCK_UN))

	code := <-done
	require.Equal(t, node.ExitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Contains(t, stderr.String(), "locktest: note: another run is changing "+dir+": waiting for it (at most 30s)")
	require.NotContains(t, stderr.String(), "file changed since the plan was computed")
	b, err := os.ReadFile(env)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "LANG=de_DE.UTF-8\nhttp_proxy="), "%s", b)
}
