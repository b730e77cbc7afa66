package plan

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// lock takes an exclusive flock on the root directory itself, waiting up to
// the target's lock wait. Locking the directory rather than a file in it
// means a run that changes nothing creates nothing, and no lock file can be
// removed from under a waiting run. The lock is released when the process
// dies, so a crashed run never blocks the next.
func (t *Target) lock(ctx context.Context) (unlock func(), err error) {
	d, err := t.root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	deadline := time.Now().Add(t.lockWait)
	pause := 5 * time.Millisecond
	for {
		err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(d.Fd()), syscall.LOCK_UN)
				d.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			d.Close()
			return nil, fmt.Errorf("lock: %w", err)
		}
		if t.lockBusy != nil && pause == 5*time.Millisecond {
			t.lockBusy(t.lockWait)
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			d.Close()
			return nil, fmt.Errorf("lock %s: %w (waited %v)", t.dir, ErrLocked, t.lockWait)
		}
		select {
		case <-ctx.Done():
			d.Close()
			return nil, fmt.Errorf("lock: %w", ctx.Err())
		case <-time.After(min(pause, wait)):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}
