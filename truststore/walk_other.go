//go:build !linux

package truststore

import "errors"

// Directories are not listed by descriptor here: the walk lists each one
// by its path from the root.

const direntBufSize = 0

func openChild(dirfd int, name string) (int, error) { return -1, errors.ErrUnsupported }

func closeDir(fd int) {}

func readDirFD(fd int, buf []byte, names map[string]bool) ([]dent, int, error) {
	return nil, 0, errors.ErrUnsupported
}
