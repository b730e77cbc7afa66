package truststore

import (
	"fmt"
	"io/fs"
	"path"
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
			if err := w.walk(dir, real, 0); err != nil {
				return w.found, err
			}
		}
	}
	return w.found, nil
}

// walk lists dir, found at that path, whose links resolve to real. A
// subdirectory's real path is real's plus its name; only links are
// resolved again, which keeps the walk to one ReadDir per directory.
func (w *walker) walk(dir, real string, depth int) error {
	if w.seen[real] {
		return nil
	}
	w.seen[real] = true
	entries, err := fs.ReadDir(w.fsys, real)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if w.entries++; w.entries > MaxWalkEntries {
			return ErrWalkLimit
		}
		name := e.Name()
		p, r := path.Join(dir, name), path.Join(real, name)
		t := e.Type()
		if t&fs.ModeSymlink != 0 {
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
			if depth+1 < MaxWalkDepth && !walkSkip[name] {
				if err := w.walk(p, r, depth+1); err != nil {
					return err
				}
			}
		case t.IsRegular() && w.names[name]:
			w.found = append(w.found, p)
		}
	}
	return nil
}

// DefaultBundleNames returns the file names the walk takes for PEM bundles:
// certifi's, requests' (and their vendored copies in pip and botocore),
// websocket-client's and conda's are all cacert.pem.
func DefaultBundleNames() []string { return []string{"cacert.pem"} }

// isWalkLimit reports whether the stores list must say the walk was cut.
func isWalkLimit(err error) bool { return err == ErrWalkLimit }
