package truststore

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
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
}

// walkBundles returns the files under the roots (globs, root-relative)
// whose base name is one of names, as found (unresolved), in walk order. It
// returns [ErrWalkLimit] with what it found when the walk was cut short.
func walkBundles(fsys fs.FS, roots, names []string) ([]string, error) {
	w := &walker{fsys: fsys, names: map[string]bool{}, seen: map[string]bool{}}
	for _, n := range names {
		w.names[n] = true
	}
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
			if err := w.walk(dir, real, nil, 0); err != nil {
				return w.found, err
			}
		}
	}
	return w.found, nil
}

// walk lists dir, found at that path, whose links resolve to real. A
// subdirectory's real path is real's plus its name; only links are
// resolved again. Where the file system hands out open directories
// (os.Root's does), a subdirectory is opened relative to its parent
// (without following a link), which keeps the walk to a few system calls
// per directory; otherwise each is listed by its path.
func (w *walker) walk(dir, real string, f *os.File, depth int) error {
	if w.seen[real] {
		if f != nil {
			f.Close()
		}
		return nil
	}
	w.seen[real] = true
	entries, f, err := w.list(real, f)
	if err != nil {
		return nil
	}
	if f != nil {
		defer f.Close()
	}
	for _, e := range entries {
		if w.entries++; w.entries > MaxWalkEntries {
			return ErrWalkLimit
		}
		name := e.Name()
		t := e.Type()
		if t.IsRegular() {
			if w.names[name] {
				w.found = append(w.found, join(dir, name))
			}
			continue
		}
		// dir and real are clean and name is one element: no path.Join,
		// which costs more than the rest of the loop over 10,000 files.
		p, r := join(dir, name), join(real, name)
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
			var child *os.File
			if f != nil && !link {
				child, _ = openChild(f, name)
			}
			if err := w.walk(p, r, child, depth+1); err != nil {
				return err
			}
		case t.IsRegular() && w.names[name]:
			w.found = append(w.found, p)
		}
	}
	return nil
}

// list returns the entries of the directory real, sorted by name: read
// from f when open, else from the directory opened by path, which is kept
// open for its subdirectories when it is an *os.File.
func (w *walker) list(real string, f *os.File) ([]fs.DirEntry, *os.File, error) {
	if f == nil {
		if g, err := w.fsys.Open(real); err == nil {
			if osf, ok := g.(*os.File); ok {
				f = osf
			} else {
				g.Close()
			}
		}
	}
	if f == nil {
		entries, err := fs.ReadDir(w.fsys, real)
		return entries, nil, err
	}
	entries, err := f.ReadDir(-1)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, f, nil
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
