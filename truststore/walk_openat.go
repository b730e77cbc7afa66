//go:build linux

package truststore

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"slices"
	"strings"
	"syscall"
)

// openChild opens the directory called name (one path element, no link)
// inside the open directory dirfd, relative to it: one system call, where
// opening by path from the root costs one per element.
func openChild(dirfd int, name string) (int, error) {
	for {
		fd, err := syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

func closeDir(fd int) { syscall.Close(fd) }

// direntBufSize is the buffer getdents64 fills: a directory of a few
// hundred entries is read in one call (and one more that returns nothing).
const direntBufSize = 32 << 10

// readDirFD lists the open directory fd with getdents64 into buf (see
// [parseDirents]), sorted by name, the order the walk takes entries in.
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
			slices.SortFunc(out, func(a, b dent) int { return strings.Compare(a.name, b.name) })
			return out, all, nil
		}
		var m int
		out, m = parseDirents(buf[:n], names, out)
		all += m
	}
}

// Types of a directory entry (d_type), as Linux numbers them.
const (
	dtUnknown = 0
	dtDir     = 4
	dtReg     = 8
	dtLnk     = 10
)

// parseDirents appends to out the entries of buf, records of struct
// linux_dirent64 as getdents64 returns them, that the walk looks at:
// directories, links, regular files whose name is in names, and entries
// of unknown type ([typeUnknown]: the file system did not say; the walk
// asks). Devices, pipes and sockets are never stores. It returns how many
// entries buf holds, "." and ".." left out. The names of the files left
// out never become strings: a directory of 10,000 files costs no
// allocation per file. A record that does not fit ends the reading.
func parseDirents(buf []byte, names map[string]bool, out []dent) ([]dent, int) {
	const (
		reclenAt = 16 // after d_ino (8 bytes) and d_off (8 bytes)
		typeAt   = 18
		nameAt   = 19
	)
	all := 0
	for len(buf) >= nameAt {
		reclen := int(binary.NativeEndian.Uint16(buf[reclenAt:]))
		if reclen < nameAt || reclen > len(buf) {
			break
		}
		typ, name := buf[typeAt], buf[nameAt:reclen]
		buf = buf[reclen:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		all++
		if direntTypesUnknown {
			typ = dtUnknown
		}
		var t fs.FileMode
		switch typ {
		case dtReg:
			if !names[string(name)] { // a map lookup by []byte: no allocation
				continue
			}
		case dtDir:
			t = fs.ModeDir
		case dtLnk:
			t = fs.ModeSymlink
		case dtUnknown:
			t = typeUnknown
		default:
			continue
		}
		out = append(out, dent{string(name), t})
	}
	return out, all
}
