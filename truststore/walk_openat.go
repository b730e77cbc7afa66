//go:build linux

package truststore

import (
	"os"
	"syscall"
)

// openChild opens the directory called name (one path element, no link)
// inside the open directory dir, relative to it: one system call, where
// opening by path from the root costs one per element.
func openChild(dir *os.File, name string) (*os.File, error) {
	fd, err := syscall.Openat(int(dir.Fd()), name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "openat", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}
