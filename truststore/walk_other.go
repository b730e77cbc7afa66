//go:build !linux

package truststore

import "errors"

// Directories are not listed by descriptor here: the walk lists each
// directory by its path from the root.

func openChildFD(dirfd int, name string) (int, error) { return -1, errors.ErrUnsupported }

func closeFD(fd int) {}

func readDirFD(fd int, buf []byte, names map[string]bool) ([]dent, int, error) {
	return nil, 0, errors.ErrUnsupported
}
