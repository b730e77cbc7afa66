package plan

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"syscall"

	"github.com/proxykit/proxykit/internal/rootfs"
)

// resolved is where a step's path leads inside the root.
type resolved struct {
	real    string      // root-relative path of the file itself, no links
	info    fs.FileInfo // Lstat of real; nil when it does not exist
	missing []string    // parent directories that do not exist, outermost first
}

// resolve follows name through the root with chroot semantics, with the
// module's one resolver (internal/rootfs): absolute link targets restart at
// the root, ".." never climbs above it. Every lookup is an os.Root call
// (through its FS), so even a tree changed underneath cannot lead outside
// the root: os.Root refuses it.
func (t *Target) resolve(name string) (resolved, error) {
	real, err := rootfs.Target(t.root.FS(), name)
	switch {
	case errors.Is(err, rootfs.ErrTooManyLinks):
		return resolved{}, ErrTooManyLinks // the same sentinel, without the path
	case errors.Is(err, syscall.ENOTDIR):
		return resolved{}, ErrNotRegular // a file where a directory is named
	case err != nil:
		return resolved{}, unwrapPathError(err)
	case real == ".":
		return resolved{}, ErrNotRegular // the root itself
	}
	cur := strings.Split(real, "/")
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

// unwrapPathError drops the *fs.PathError around an os.Root failure: its
// path is the resolved one, and the caller names the step's path.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
