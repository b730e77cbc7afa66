//go:build linux

package truststore

import (
	"io/fs"
	"syscall"
	"unsafe"
)

// openChildFD opens the directory called name (one path element, no link)
// inside the open directory dirfd, relative to it: one system call, where
// opening by path from the root costs one per element.
func openChildFD(dirfd int, name string) (int, error) {
	return syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
}

func closeFD(fd int) { syscall.Close(fd) }

// readDirFD lists the open directory fd with getdents64 into buf, keeping
// only what the walk needs: directories, links, regular files whose name
// is in names, and entries of unknown type (fs.ModeIrregular). all counts
// every entry. The names of other files are never turned into
// strings, so a directory of 10,000 files costs no allocation per file.
func readDirFD(fd int, buf []byte, names map[string]bool) (out []dent, all int, err error) {
	for {
		n, err := syscall.Getdents(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		if n <= 0 {
			return out, all, nil
		}
		for off := 0; off < n; {
			// struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16,
			// d_type u8, d_name NUL-terminated.
			reclen := int(*(*uint16)(unsafe.Pointer(&buf[off+16])))
			typ := buf[off+18]
			name := buf[off+19 : off+reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			off += reclen
			if len(name) == 0 || string(name) == "." || string(name) == ".." {
				continue
			}
			all++
			var t fs.FileMode
			switch typ {
			case syscall.DT_REG:
				if !names[string(name)] { // no allocation: map lookup by []byte
					continue
				}
			case syscall.DT_DIR:
				t = fs.ModeDir
			case syscall.DT_LNK:
				t = fs.ModeSymlink
			case syscall.DT_UNKNOWN: // the file system does not say: walk asks
				t = fs.ModeIrregular
			default: // devices, sockets, pipes: never a store
				continue
			}
			out = append(out, dent{string(name), t})
		}
	}
}
