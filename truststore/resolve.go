package truststore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// maxLinks bounds the symbolic links followed while resolving one path, as
// Linux bounds them (40) for one lookup.
const maxLinks = 40

// errTooManyLinks is returned for a symlink loop or an over-long chain.
var errTooManyLinks = errors.New("too many levels of symbolic links")

// resolve returns name with every symbolic link in it resolved inside fsys,
// with chroot semantics: an absolute link target starts again at the root of
// fsys, and ".." never climbs above it. Where fsys cannot read links
// ([fs.ReadLinkFS]), names are taken as they are. The result is a valid
// [fs.FS] path naming an existing file or directory that is not a link.
//
// os.DirFS follows an absolute link to the host's file, outside the root;
// resolving first keeps every read inside the root.
func resolve(fsys fs.FS, name string) (string, error) {
	done := "."
	rest := strings.Split(name, "/")
	links := 0
	for len(rest) > 0 {
		comp := rest[0]
		rest = rest[1:]
		switch comp {
		case "", ".":
			continue
		case "..":
			done = path.Dir(done) // path.Dir(".") == "."
			continue
		}
		p := path.Join(done, comp)
		fi, err := fs.Lstat(fsys, p)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = p
			continue
		}
		if links++; links > maxLinks {
			return "", &fs.PathError{Op: "resolve", Path: name, Err: errTooManyLinks}
		}
		target, err := fs.ReadLink(fsys, p)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = "."
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return done, nil
}

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
