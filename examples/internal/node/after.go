package node

import (
	"errors"
	"io/fs"
	"testing/fstest"
)

// Planned returns the bytes the plan's steps for name will leave in it: the
// file's current bytes (nil when missing) through each step's edit, in
// order. nil means the file will not exist.
func (n *Node) Planned(name string) ([]byte, error) {
	b, err := n.ReadFile(name)
	if err != nil {
		b = nil
	}
	for _, s := range n.Plan.Steps {
		if s.Path != name || s.Edit == nil {
			continue
		}
		if b, err = s.Edit(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// After returns the root as it will read once the plan's steps for the
// files named are applied: those files read as [Node.Planned] says, every
// other file as it is. Directories list what is there now.
func (n *Node) After(names ...string) (fs.FS, error) {
	top := fstest.MapFS{}
	for _, name := range names {
		b, err := n.Planned(name)
		if err != nil {
			return nil, err
		}
		if b != nil {
			top[name] = &fstest.MapFile{Data: b, Mode: 0o600}
		}
	}
	return afterFS{base: n.FS, top: top}, nil
}

// afterFS reads the files of top in place of those of base, and the
// directories of top where base has none.
type afterFS struct {
	base fs.FS
	top  fstest.MapFS
}

func (a afterFS) pick(name string) fs.FS {
	if _, ok := a.top[name]; ok {
		return a.top
	}
	if _, err := fs.Lstat(a.base, name); errors.Is(err, fs.ErrNotExist) {
		if _, err := fs.Stat(a.top, name); err == nil {
			return a.top
		}
	}
	return a.base
}

func (a afterFS) Open(name string) (fs.File, error) { return a.pick(name).Open(name) }

func (a afterFS) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(a.pick(name), name) }

func (a afterFS) ReadLink(name string) (string, error) { return fs.ReadLink(a.pick(name), name) }
