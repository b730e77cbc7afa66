package truststore

import (
	"fmt"
	"io"
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
	p, err := resolve(fsys, name)
	if err != nil {
		return "", nil, err
	}
	f, err := fsys.Open(p)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", nil, err
	}
	if int64(len(b)) > limit {
		return "", nil, fmt.Errorf("read %s: larger than %d bytes: %w", p, limit, ErrMalformed)
	}
	return p, b, nil
}

func readFile(fsys fs.FS, name string, limit int64) ([]byte, error) {
	_, b, err := readResolved(fsys, name, limit)
	return b, err
}
