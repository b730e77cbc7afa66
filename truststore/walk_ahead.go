package truststore

import (
	"io/fs"
	"runtime"
	"sync"
	"sync/atomic"
)

// The walk spends nearly all its time in system calls (openat, getdents64,
// close), one directory after the other. A lookahead lets a few goroutines
// open and list the subdirectories the walk will come to, while the walk
// itself still takes every directory in its order and makes every decision
// (limits, links, the seen set) as it would alone: only where a listing
// comes from changes, so the result is the same, sooner.
//
// Each listing belongs to the directory it was found in. It is opened
// relative to that directory's descriptor, so the walk closes a directory
// only after dropping the listings of its subdirectories that it did not
// enter: one not yet started is never started; one being made is waited
// for, then closed with its own listings. When the walk ends, however it
// ends, no listing is open and no lookahead goroutine is left.

// walkWorkers is how many goroutines list directories ahead of the walk:
// 0 walks alone; below 0, as many as Go runs at once (GOMAXPROCS), at most
// 4: the walk takes the listings one at a time, in its order, and more
// goroutines only contend in the kernel. Tests set it.
var walkWorkers = -1

func lookaheadWorkers() int {
	if walkWorkers < 0 {
		return min(runtime.GOMAXPROCS(0), 4)
	}
	return walkWorkers
}

// maxAhead bounds the listings made ahead and not yet taken by the walk:
// at most that many descriptors (and listings) are held for it.
const maxAhead = 64

// States of a listing.
const (
	pending int32 = iota // not started
	started              // being made, or made: done is closed when it is
	dropped              // never to be made
)

// A listing is a subdirectory the walk may enter, opened and listed ahead
// of it by a lookahead goroutine, or by the walk when it comes first.
type listing struct {
	parent int      // descriptor of the directory it is in
	up     *listing // that directory's listing; nil for one the walk opened
	name   string
	depth  int

	state atomic.Int32
	done  chan struct{}
	cut   atomic.Bool // dropped: none of its subdirectories is to be made
	ahead bool        // made by a lookahead goroutine (counted in lookahead.held)
	taken bool        // entered by the walk (set by the walk only)

	// Set before done is closed.
	fd      int // -1 when it did not open: the walk opens it by its path
	entries []dent
	all     int
	err     error
	subs    []*listing // its subdirectories, in entries' order
}

// lookahead hands listings to its goroutines, the most recently found
// first: that is the order the walk, depth first, comes to them.
type lookahead struct {
	names map[string]bool
	mu    sync.Mutex
	more  sync.Cond // a listing to make, room for one, or stop
	todo  []*listing
	held  int // listings made ahead and not yet taken or dropped
	stop  bool
	halt  atomic.Bool // the walk stops: no listing is to be started
	wg    sync.WaitGroup
}

func newLookahead(names map[string]bool, workers int) *lookahead {
	a := &lookahead{names: names}
	a.more.L = &a.mu
	a.wg.Add(workers)
	for range workers {
		go a.work()
	}
	return a
}

// close stops the goroutines and waits for them. Every listing has been
// taken or dropped by then, so none is being made.
func (a *lookahead) close() {
	a.mu.Lock()
	a.stop = true
	a.mu.Unlock()
	a.more.Broadcast()
	a.wg.Wait()
}

func (a *lookahead) work() {
	defer a.wg.Done()
	buf := make([]byte, direntBufSize)
	for {
		a.mu.Lock()
		for !a.stop && (len(a.todo) == 0 || a.held >= maxAhead) {
			a.more.Wait()
		}
		if a.stop {
			a.mu.Unlock()
			return
		}
		l := a.todo[len(a.todo)-1]
		a.todo[len(a.todo)-1] = nil
		a.todo = a.todo[:len(a.todo)-1]
		a.held++
		a.mu.Unlock()
		if !a.halt.Load() && !l.cutAbove() && l.state.CompareAndSwap(pending, started) {
			l.ahead = true
			a.make(l, buf)
			close(l.done)
			continue
		}
		a.release()
	}
}

// release gives back the room of a listing made ahead.
func (a *lookahead) release() {
	a.mu.Lock()
	a.held--
	a.mu.Unlock()
	a.more.Signal()
}

// make opens l relative to its parent, lists it as [walker.list] does
// (readDirFD, sorted) and
// finds its subdirectories, which it hands out in turn.
func (a *lookahead) make(l *listing, buf []byte) {
	fd, err := openChild(l.parent, l.name)
	if err != nil {
		l.fd = -1
		return
	}
	l.fd = fd
	l.entries, l.all, l.err = readDirFD(fd, buf, a.names)
	if l.err != nil {
		return
	}
	l.subs = a.plan(fd, l.entries, l.depth, l)
}

// cutAbove reports whether a directory l is in was dropped, so that l is
// not to be made: the walk drops it next.
func (l *listing) cutAbove() bool {
	for u := l.up; u != nil; u = u.up {
		if u.cut.Load() {
			return true
		}
	}
	return false
}

// plan returns the listings of the subdirectories of the open directory fd
// at depth, made ahead as up or else nil, that the walk may enter: those listed as directories (not links,
// not of unknown type) that are neither too deep nor skipped by name. It
// hands them out, the first on top.
func (a *lookahead) plan(fd int, entries []dent, depth int, up *listing) []*listing {
	if depth+1 >= MaxWalkDepth {
		return nil
	}
	var subs []*listing
	for _, e := range entries {
		if e.typ == fs.ModeDir && !walkSkip[e.name] {
			subs = append(subs, &listing{parent: fd, up: up, name: e.name, depth: depth + 1, done: make(chan struct{}), fd: -1})
		}
	}
	if len(subs) == 0 {
		return nil
	}
	a.mu.Lock()
	for i := len(subs) - 1; i >= 0; i-- {
		a.todo = append(a.todo, subs[i])
	}
	a.mu.Unlock()
	a.more.Broadcast()
	return subs
}

// take returns l made, making it here if no goroutine has started it.
func (a *lookahead) take(l *listing, buf []byte) {
	l.taken = true
	if l.state.CompareAndSwap(pending, started) {
		a.make(l, buf)
		close(l.done)
		return
	}
	<-l.done
	if l.ahead {
		a.release()
	}
}

// drop drops the listings of subs the walk did not take: it waits for one
// being made and closes it, with its own. Those below it are not started
// from then on, so dropping a listing costs at most the few being made.
func (a *lookahead) drop(subs []*listing) {
	for _, l := range subs {
		if l.taken || l.state.CompareAndSwap(pending, dropped) {
			continue
		}
		l.cut.Store(true)
		<-l.done
		a.drop(l.subs)
		if l.fd >= 0 {
			closeDir(l.fd)
		}
		if l.ahead {
			a.release()
		}
	}
}
