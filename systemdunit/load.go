package systemdunit

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/rootfs"
)

// Load reads the unit called name from fsys, a view of the root file system
// (os.DirFS("/"), (*os.Root).FS(), a test fs.MapFS): the unit file from the
// first of [UnitDirs] that has it (for an instance, else its template), and
// every drop-in "*.conf" of [DropInDirs]. A drop-in hides those of the same
// file name in directories of lower precedence; one that is a symbolic link
// to /dev/null hides them and is an empty File. The drop-ins are read in order of
// file name, after the unit file. Absolute symbolic links are resolved
// inside fsys.
//
// A unit without a unit file but with drop-ins is returned with
// [ErrNotFound]; a masked unit with [ErrMasked].
func Load(fsys fs.FS, name string) (*Unit, error) {
	if err := checkUnitName(name); err != nil {
		return nil, err
	}
	u := &Unit{Name: name}
	var loadErr error
	found := false
fragments:
	for _, d := range UnitDirs {
		for _, n := range fragmentNames(name) {
			p := d + "/" + n
			data, masked, err := readRooted(fsys, p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", name, err)
			}
			found = true
			if masked || len(data) == 0 {
				return u, fmt.Errorf("load %s: %s: %w", name, p, ErrMasked)
			}
			f, err := ParseNamed(p, data)
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", name, err)
			}
			u.Files = append(u.Files, f)
			break fragments
		}
	}
	if !found {
		loadErr = fmt.Errorf("load %s: %w", name, ErrNotFound)
	}
	// Drop-ins: the first directory that has a file name wins.
	chosen := map[string]string{} // file name → path, "" when masked
	for _, dir := range DropInDirs(name) {
		entries, err := readDirRooted(fsys, dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasSuffix(e, ".conf") {
				continue
			}
			if _, ok := chosen[e]; ok {
				continue
			}
			chosen[e] = dir + "/" + e
		}
	}
	names := make([]string, 0, len(chosen))
	for n := range chosen {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := chosen[n]
		data, masked, err := readRooted(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if masked {
			// Listed by systemd as a drop-in, with nothing in it.
			u.Files = append(u.Files, &File{Name: p})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		f, err := ParseNamed(p, data)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		u.Files = append(u.Files, f)
	}
	return u, loadErr
}

// readRooted reads the file at p in fsys, following symbolic links inside
// it ([rootfs.Target]: an absolute target is relative to the root of fsys).
// It reports a file that leads to /dev/null as masked.
func readRooted(fsys fs.FS, p string) (data []byte, masked bool, err error) {
	real, err := rootfs.Target(fsys, p)
	if err != nil {
		return nil, false, err
	}
	if real == "dev/null" {
		return nil, true, nil
	}
	data, err = fs.ReadFile(fsys, real)
	return data, false, err
}

// readDirRooted lists the files of a directory, following symbolic links
// inside fsys ([rootfs.Resolve]).
func readDirRooted(fsys fs.FS, dir string) ([]string, error) {
	real, err := rootfs.Resolve(fsys, dir)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(fsys, real)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		out = append(out, e.Name())
	}
	return out, nil
}

// Find returns the names of the units of the node whose root file system is
// fsys that match any of the patterns ([path.Match] syntax, "dcos-*.service")
// in any directory of [UnitDirs], sorted, each once. Directories are read
// through their symbolic links inside the root; a name found may still be
// masked or a dangling link, which [Load] reports.
func Find(fsys fs.FS, patterns ...string) ([]string, error) {
	var names []string
	for _, pat := range patterns {
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("unit pattern %q: %w", pat, err)
		}
		for _, dir := range UnitDirs {
			real, err := rootfs.Resolve(fsys, dir)
			if err != nil {
				continue
			}
			entries, err := fs.ReadDir(fsys, real)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if ok, _ := path.Match(pat, e.Name()); ok && !slices.Contains(names, e.Name()) {
					names = append(names, e.Name())
				}
			}
		}
	}
	slices.Sort(names)
	return names, nil
}
