package rootfs

import (
	"errors"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing/fstest"
)

// Overlay returns base with the files of planned (root-relative paths →
// contents) laid over it: the tree as it will read once they are written.
// Each planned path is first taken where a write would land ([Target]: links
// in base followed inside it), so reads through those links see the planned
// contents too; a planned file in a directory base lacks brings the
// directory with it, and a directory listing shows the planned files beside
// base's. The overlay is read only; planned is copied.
func Overlay(base fs.FS, planned map[string][]byte) fs.FS {
	o := overlay{base: base, files: fstest.MapFS{}}
	for _, p := range slices.Sorted(maps.Keys(planned)) {
		real, err := Target(base, p)
		if err != nil {
			real = path.Clean(strings.TrimPrefix(p, "/"))
		}
		o.files[real] = &fstest.MapFile{Data: slices.Clone(planned[p]), Mode: 0o644}
	}
	return o
}

type overlay struct {
	base  fs.FS
	files fstest.MapFS // real paths; fstest.MapFS adds their directories
}

// planned reports whether name is a planned file, or a directory that only
// the planned files bring.
func (o overlay) planned(name string) bool {
	if _, ok := o.files[name]; ok {
		return true
	}
	if _, err := fs.Stat(o.files, name); err != nil {
		return false
	}
	_, err := fs.Lstat(o.base, name)
	return errors.Is(err, fs.ErrNotExist)
}

func (o overlay) Open(name string) (fs.File, error) {
	if o.planned(name) {
		return o.files.Open(name)
	}
	return o.base.Open(name)
}

func (o overlay) Lstat(name string) (fs.FileInfo, error) {
	if o.planned(name) {
		return fs.Stat(o.files, name)
	}
	return fs.Lstat(o.base, name)
}

func (o overlay) ReadLink(name string) (string, error) {
	if o.planned(name) {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return fs.ReadLink(o.base, name)
}

func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	if o.planned(name) {
		return fs.ReadDir(o.files, name)
	}
	entries, err := fs.ReadDir(o.base, name)
	if err != nil {
		return nil, err
	}
	ours, _ := fs.ReadDir(o.files, name)
	for _, e := range ours {
		i, found := slices.BinarySearchFunc(entries, e.Name(), func(d fs.DirEntry, n string) int { return strings.Compare(d.Name(), n) })
		if found {
			if !e.IsDir() {
				entries[i] = e
			}
			continue
		}
		entries = slices.Insert(entries, i, e)
	}
	return entries, nil
}
