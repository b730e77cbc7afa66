package truststore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Limits of the walk [Discover] makes under [Discovery.BundleRoots]: it
// never goes deeper than MaxWalkDepth directories below a root, and stops
// after MaxWalkEntries directory entries in all (the stores found so far
// are kept, and the stop is reported as a store left, so it is never
// silent).
const (
	MaxWalkDepth   = 9
	MaxWalkEntries = 200_000
)

// walkEntryLimit is MaxWalkEntries; tests lower it.
var walkEntryLimit = MaxWalkEntries

// ErrWalkLimit: the walk for bundles reached [MaxWalkEntries]; stores past
// that point were not looked for.
var ErrWalkLimit = fmt.Errorf("walk stopped after %d entries", MaxWalkEntries)

// walkSkip are directory names the walk never enters: executables, byte
// code, version control, headers, documentation, and kernel file systems.
var walkSkip = map[string]bool{
	"bin": true, "sbin": true, "__pycache__": true, ".git": true, "node_modules": true, "include": true,
	"man": true, "doc": true, "locale": true, "proc": true, "sys": true, "dev": true,
}

// walker finds files named as [Discovery.BundleNames] below the roots,
// following links inside the root and entering each directory once.
type walker struct {
	fsys    fs.FS
	names   map[string]bool
	seen    map[string]bool // resolved directories entered
	entries int
	found   []string
	buf     []byte     // read buffer for listing by descriptor, reused
	ahead   *lookahead // started at the first directory listed by descriptor
	workers int        // goroutines of the lookahead
}

// A dent is a directory entry the walk looks at: a directory, a link, a
// regular file named as a bundle, or an entry whose type the listing did
// not tell (typeUnknown), which the walk asks about with Lstat.
type dent struct {
	name string
	typ  fs.FileMode
}

// typeUnknown marks a [dent] whose type the file system did not report.
const typeUnknown = fs.ModeIrregular

// direntTypesUnknown makes the listing by descriptor read every entry's
// type as unknown, as some file systems report it: tests set it, to walk
// that way on any disk.
var direntTypesUnknown = false

// walkBundles returns the files under the roots (globs, root-relative)
// whose base name is one of names, as found (unresolved), in walk order. It
// returns [ErrWalkLimit] with what it found when the walk was cut short.
func walkBundles(fsys fs.FS, roots, names []string) ([]string, error) {
	w := &walker{fsys: fsys, names: map[string]bool{}, seen: map[string]bool{}, workers: lookaheadWorkers()}
	for _, n := range names {
		w.names[n] = true
	}
	defer func() {
		if w.ahead != nil {
			w.ahead.close()
		}
	}()
	for _, r := range roots {
		m, err := glob(fsys, relative(r))
		if err != nil {
			return nil, err
		}
		for _, dir := range m {
			real, err := resolve(fsys, dir)
			if err != nil {
				continue
			}
			if err := w.walk(dir, real, -1, 0, nil); err != nil {
				return w.found, err
			}
		}
	}
	return w.found, nil
}

// walk lists dir, found at that path, whose links resolve to real. A
// subdirectory's real path is real's plus its name; only links are
// resolved again. Where the file system hands out open directories
// (os.Root's and os.DirFS's do), a directory is listed from its descriptor
// into one reused buffer (on Linux, with getdents64: no allocation per
// file) and a subdirectory is opened relative to its parent's descriptor,
// without following a link: a few system calls per directory. Otherwise,
// and for a directory reached through a link, it is opened by its path.
// A few goroutines open and list ahead the subdirectories it will come to
// (see [lookahead]). fd is real's open descriptor or -1; the caller closes
// it. pre, when not nil, is real's listing made ahead: fd is its
// descriptor, or -1 when it did not open.
func (w *walker) walk(dir, real string, fd, depth int, pre *listing) error {
	if w.seen[real] {
		if pre != nil {
			w.ahead.drop(pre.subs)
		}
		return nil
	}
	w.seen[real] = true
	if fd < 0 {
		if g, err := w.fsys.Open(real); err == nil {
			if f, ok := g.(*os.File); ok {
				fd = int(f.Fd())
			}
			// Closed when the walk of the directory is done; f keeps its
			// descriptor open until then.
			defer g.Close()
		}
	}
	var entries []dent
	var all int
	var err error
	var subs []*listing // listed ahead: subdirectories, in entries' order
	if pre != nil && pre.fd >= 0 {
		entries, all, err, subs = pre.entries, pre.all, pre.err, pre.subs
	} else {
		entries, all, err = w.list(real, fd)
		if err == nil && fd >= 0 && direntBufSize > 0 && w.workers > 0 {
			if w.ahead == nil { // the file system hands out open directories
				w.ahead = newLookahead(w.names, w.workers)
			}
			subs = w.ahead.plan(fd, entries, depth, nil)
		}
	}
	if subs != nil {
		// Before fd is closed: deferred above, or by the caller.
		defer w.ahead.drop(subs)
	}
	if err != nil {
		return nil
	}
	// Files the listing left out (no bundle name) count as entries too.
	if w.entries += all - len(entries); w.entries > walkEntryLimit {
		return w.limit()
	}
	next := 0 // subs[next] is the next subdirectory listed ahead
	for _, e := range entries {
		if w.entries++; w.entries > walkEntryLimit {
			return w.limit()
		}
		name, t := e.name, e.typ
		var sub *listing
		if next < len(subs) && subs[next].name == name {
			sub = subs[next]
			next++
		}
		if t == typeUnknown {
			fi, err := fs.Lstat(w.fsys, join(real, name))
			if err != nil {
				continue
			}
			t = fi.Mode().Type()
		}
		if t.IsRegular() {
			if w.names[name] {
				w.found = append(w.found, join(dir, name))
			}
			continue
		}
		// dir and real are clean and name is one element: no path.Join,
		// which costs more than the rest of the loop over 10,000 files.
		p := join(dir, name)
		r := p
		if real != dir {
			r = join(real, name)
		}
		link := t&fs.ModeSymlink != 0
		if link {
			if r, err = resolve(w.fsys, p); err != nil {
				continue
			}
			fi, err := fs.Stat(w.fsys, r)
			if err != nil {
				continue
			}
			t = fi.Mode().Type()
		}
		switch {
		case t.IsDir():
			if depth+1 >= MaxWalkDepth || walkSkip[name] || w.seen[r] {
				continue
			}
			child := -1
			switch {
			case sub != nil:
				w.ahead.take(sub, w.buffer())
				child = sub.fd
			case fd >= 0 && !link:
				child, _ = openChild(fd, name)
			}
			err := w.walk(p, r, child, depth+1, sub)
			if child >= 0 {
				closeDir(child)
			}
			if err != nil {
				return err
			}
		case t.IsRegular() && w.names[name]:
			w.found = append(w.found, p)
		}
	}
	return nil
}

// limit ends the walk at its entry limit: the lookahead starts no more
// listings, so what it holds is dropped quickly.
func (w *walker) limit() error {
	if w.ahead != nil {
		w.ahead.halt.Store(true)
	}
	return ErrWalkLimit
}

// list returns the entries of the directory real that the walk looks at
// (directories, links, files named as bundles, entries of unknown type),
// sorted by name, and how many entries it has in all. It reads fd when
// open and listing by descriptor is supported, else the directory by path.
func (w *walker) list(real string, fd int) ([]dent, int, error) {
	var entries []dent
	all := 0
	if fd >= 0 {
		var err error
		entries, all, err = readDirFD(fd, w.buffer(), w.names)
		if err != nil && err != errors.ErrUnsupported {
			return nil, 0, err
		}
		if err == nil {
			return entries, all, nil
		}
	}
	des, err := fs.ReadDir(w.fsys, real)
	if err != nil {
		return nil, 0, err
	}
	for _, e := range des {
		t := e.Type()
		if t.IsRegular() && !w.names[e.Name()] {
			continue
		}
		entries = append(entries, dent{e.Name(), t})
	}
	return entries, len(des), nil
}

// buffer returns the walk's read buffer for listing by descriptor.
func (w *walker) buffer() []byte {
	if w.buf == nil {
		w.buf = make([]byte, direntBufSize)
	}
	return w.buf
}

// join joins a clean root-relative directory and a file name.
func join(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}

// DefaultBundleNames returns the file names the walk takes for PEM bundles:
// certifi's, requests' (and their vendored copies in pip and botocore),
// websocket-client's and conda's are all cacert.pem.
func DefaultBundleNames() []string { return []string{"cacert.pem"} }

// isWalkLimit reports whether the stores list must say the walk was cut.
func isWalkLimit(err error) bool { return err == ErrWalkLimit }
