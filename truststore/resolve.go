package truststore

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/proxykit/proxykit/internal/rootfs"
)

// resolve returns name with every symbolic link in it resolved inside fsys,
// with chroot semantics (see [rootfs.Resolve]). os.DirFS follows an absolute
// link to the host's file, outside the root; resolving first keeps every
// read inside the root.
func resolve(fsys fs.FS, name string) (string, error) { return rootfs.Resolve(fsys, name) }

// readResolved reads the file name inside fsys after resolving its links,
// refusing more than limit bytes. It returns the resolved path too.
func readResolved(fsys fs.FS, name string, limit int64) (string, []byte, error) {
	p, b, err := rootfs.ReadFile(fsys, name, limit)
	if errors.Is(err, rootfs.ErrTooLarge) {
		return "", nil, fmt.Errorf("%w: %w", err, ErrMalformed)
	}
	return p, b, err
}

func readFile(fsys fs.FS, name string, limit int64) ([]byte, error) {
	_, b, err := readResolved(fsys, name, limit)
	return b, err
}
