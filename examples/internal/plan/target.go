package plan

import (
	"fmt"
	"os"
	"time"
)

// DefaultManifest is where the engine keeps its manifest, relative to the
// root.
const DefaultManifest = "var/lib/proxykit/manifest.json"

// DefaultLockWait is how long Apply and Undo wait for another run on the
// same root to finish.
const DefaultLockWait = 30 * time.Second

// A Target is a root directory that plans are computed against and applied
// to. Every read and write goes through an [os.Root]: nothing outside the
// root is ever read or written.
//
// Symbolic links are followed with chroot semantics: an absolute link target
// is taken relative to the root, ".." stops at the root, and at most 40
// links are followed per path. A step whose path goes through a link edits
// the file the link leads to and keeps the link, so a JDK's
// usr/lib/jvm/X/lib/security/cacerts → /etc/ssl/certs/java/cacerts edits the
// root's etc/ssl/certs/java/cacerts.
//
// A Target is safe for use by several goroutines; Apply and Undo serialize
// on a lock that also excludes other processes.
type Target struct {
	root     *os.Root
	dir      string
	manifest string
	lockWait time.Duration
	lockBusy func(wait time.Duration)       // see WithLockBusy
	hook     func(point, path string) error // test hook, see export_test.go
	noSync   bool                           // tests only, see export_test.go
	clock    func() time.Time
}

// An Option configures a Target.
type Option func(*Target)

// WithManifest sets the manifest's path relative to the root (default
// [DefaultManifest]). Steps may not touch the manifest's directory.
func WithManifest(path string) Option { return func(t *Target) { t.manifest = path } }

// WithLockBusy sets a function called once when Apply, Undo or Verify
// finds another run holding the root's lock, before waiting up to wait for
// it: a program says so on stderr.
func WithLockBusy(f func(wait time.Duration)) Option { return func(t *Target) { t.lockBusy = f } }

// WithLockWait sets how long Apply and Undo wait for the root's lock
// before failing with [ErrLocked] (default [DefaultLockWait]; zero fails at
// once).
func WithLockWait(d time.Duration) Option { return func(t *Target) { t.lockWait = d } }

// WithClock sets the clock that names undo's backups (default
// [time.Now]), for reproducible output.
func WithClock(now func() time.Time) Option { return func(t *Target) { t.clock = now } }

// Open opens dir as a target root. It is the only function of the package
// that names a directory of the host; everything else is relative to it.
func Open(dir string, opts ...Option) (*Target, error) {
	t := &Target{dir: dir, manifest: DefaultManifest, lockWait: DefaultLockWait, clock: time.Now}
	for _, o := range opts {
		o(t)
	}
	m, err := cleanPath(t.manifest)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	t.manifest = m
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open root: %w", err)
	}
	t.root = r
	return t, nil
}

// Dir returns the directory the target was opened on.
func (t *Target) Dir() string { return t.dir }

// Close releases the root.
func (t *Target) Close() error { return t.root.Close() }

// at calls the test hook. Only the points inside a write act on its error,
// to simulate a failing disk; elsewhere it may only stop the process.
func (t *Target) at(point, path string) error {
	if t.hook != nil {
		return t.hook(point, path)
	}
	return nil
}
