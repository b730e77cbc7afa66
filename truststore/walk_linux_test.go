//go:build linux

package truststore

import (
	"encoding/binary"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"
)

// dirent encodes one struct linux_dirent64 record as getdents64 writes it:
// d_ino, d_off, d_reclen, d_type, the name, a NUL, padded to 8 bytes.
func dirent(name string, typ byte) []byte {
	reclen := (19 + len(name) + 1 + 7) &^ 7
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint64(b, 42)
	binary.NativeEndian.PutUint64(b[8:], 7)
	binary.NativeEndian.PutUint16(b[16:], uint16(reclen))
	b[18] = typ
	copy(b[19:], name)
	return b
}

// TestParseDirents keeps from a getdents64 listing the entries the walk
// looks at, in the order listed, and counts every entry but "." and "..".
func TestParseDirents(t *testing.T) {
	var buf []byte
	for _, d := range []struct {
		name string
		typ  byte
	}{
		{".", dtDir}, {"..", dtDir},
		{"cacert.pem", dtReg}, // a bundle name
		{"api.py", dtReg},     // left out, counted
		{"requests", dtDir},
		{"etc", dtLnk},
		{"mystery", dtUnknown}, // the walk asks
		{"fifo", 1},            // DT_FIFO: never a store, counted
		{"a-name-long-enough-to-need-more-than-one-word-of-padding", dtDir},
	} {
		buf = append(buf, dirent(d.name, d.typ)...)
	}
	names := map[string]bool{"cacert.pem": true}
	full := append(buf, dirent("cut", dtDir)...)
	for _, c := range []struct {
		name string
		buf  []byte
	}{
		{"whole records", buf},
		{"a record cut short is not read", full[:len(full)-3]},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, all := parseDirents(c.buf, names, nil)
			require.Equal(t, []dent{
				{"cacert.pem", 0},
				{"requests", fs.ModeDir},
				{"etc", fs.ModeSymlink},
				{"mystery", typeUnknown},
				{"a-name-long-enough-to-need-more-than-one-word-of-padding", fs.ModeDir},
			}, out)
			require.Equal(t, 7, all)
		})
	}
}

// FuzzParseDirents reads arbitrary bytes as a getdents64 listing: it never
// panics, keeps no more entries than it counts, and every name kept is a
// name: not empty, no NUL, not "." or "..".
func FuzzParseDirents(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		out, all := parseDirents(in, map[string]bool{"cacert.pem": true}, nil)
		if len(out) > all {
			t.Fatalf("kept %d of %d entries", len(out), all)
		}
		for _, d := range out {
			for i := range len(d.name) {
				if d.name[i] == 0 {
					t.Fatalf("name %q holds a NUL", d.name)
				}
			}
			if d.name == "" || d.name == "." || d.name == ".." {
				t.Fatalf("kept %q", d.name)
			}
		}
	})
}
