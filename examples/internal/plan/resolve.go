package plan

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"syscall"
)

// maxLinks bounds the symbolic links followed while resolving one path, as
// Linux does.
const maxLinks = 40

// resolved is where a step's path leads inside the root.
type resolved struct {
	real    string      // root-relative path of the file itself, no links
	info    fs.FileInfo // Lstat of real; nil when it does not exist
	missing []string    // parent directories that do not exist, outermost first
}

// resolve follows name through the root with chroot semantics: absolute
// link targets restart at the root, ".." never climbs above it. Every
// lookup is an os.Root call on a path whose directories are already
// resolved, so even a tree changed underneath cannot lead outside the root:
// os.Root refuses it.
func (t *Target) resolve(name string) (resolved, error) {
	pending := strings.Split(name, "/")
	var cur []string
	links := 0
	absent := false
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(cur) > 0 {
				cur = cur[:len(cur)-1]
			}
			absent = false
			continue
		}
		next := append(cur[:len(cur):len(cur)], c)
		if absent {
			cur = next
			continue
		}
		fi, err := t.root.Lstat(path.Join(next...))
		if errors.Is(err, fs.ErrNotExist) {
			absent = true
			cur = next
			continue
		}
		if errors.Is(err, syscall.ENOTDIR) {
			return resolved{}, ErrNotRegular
		}
		if err != nil {
			return resolved{}, unwrapPathError(err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if len(pending) > 0 && !fi.IsDir() && hasName(pending) {
				return resolved{}, ErrNotRegular
			}
			cur = next
			continue
		}
		links++
		if links > maxLinks {
			return resolved{}, ErrTooManyLinks
		}
		target, err := t.root.Readlink(path.Join(next...))
		if err != nil {
			return resolved{}, unwrapPathError(err)
		}
		if strings.HasPrefix(target, "/") {
			cur = nil
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	if len(cur) == 0 {
		return resolved{}, ErrNotRegular // the root itself
	}
	r := resolved{real: path.Join(cur...)}
	fi, err := t.root.Lstat(r.real)
	switch {
	case err == nil:
		if !fi.Mode().IsRegular() {
			return resolved{}, ErrNotRegular
		}
		r.info = fi
	case errors.Is(err, fs.ErrNotExist):
		for i := 1; i < len(cur); i++ {
			d := path.Join(cur[:i]...)
			if _, err := t.root.Lstat(d); errors.Is(err, fs.ErrNotExist) {
				r.missing = append(r.missing, d)
			} else if err != nil {
				return resolved{}, unwrapPathError(err)
			}
		}
	default:
		return resolved{}, unwrapPathError(err)
	}
	return r, nil
}

// hasName reports whether components still name something below the
// current one (".." and "." alone do not).
func hasName(comps []string) bool {
	for _, c := range comps {
		if c != "" && c != "." {
			return true
		}
	}
	return false
}

// unwrapPathError drops the *fs.PathError around an os.Root failure: its
// path is the resolved one, and the caller names the step's path.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
