// Package rootfs resolves symbolic links inside a file tree as if the tree
// were the root of the file system (chroot semantics).
//
// Real nodes reach files through absolute links (a JDK's
// lib/security/cacerts pointing at /etc/ssl/certs/java/cacerts); os.DirFS
// would follow such a link to the host's file, outside the tree. Resolving
// the name first keeps every read inside the tree: [Resolve] and [Target]
// follow a name's links, [ReadFile] reads a file through them (bounded), and
// [Glob] matches a pattern through them.
package rootfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// MaxLinks bounds the symbolic links followed while resolving one name, as
// Linux bounds them (40) for one lookup.
const MaxLinks = 40

// ErrTooManyLinks is returned for a symlink loop or an over-long chain.
var ErrTooManyLinks = errors.New("too many levels of symbolic links")

// Resolve returns name (slash-separated; a leading "/" is allowed) with every
// symbolic link in it resolved inside fsys: an absolute link target starts
// again at the root of fsys, and ".." never climbs above it. Where fsys
// cannot read links ([fs.ReadLinkFS]), names are taken as they are. The
// result is a valid [fs.FS] path naming an existing file or directory that
// is not a link.
func Resolve(fsys fs.FS, name string) (string, error) { return resolve(fsys, name, false) }

// Target is [Resolve] for a name that, once every link is followed, may not
// exist: it returns where the name leads, existing or not, the elements
// past the first missing one taken as written. A unit linked to /dev/null leads to "dev/null" whether or not the
// tree has one; a file about to be created leads to its path.
func Target(fsys fs.FS, name string) (string, error) { return resolve(fsys, name, true) }

func resolve(fsys fs.FS, name string, missingLast bool) (string, error) {
	done := "."
	rest := strings.Split(strings.TrimPrefix(name, "/"), "/")
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
			if missingLast && errors.Is(err, fs.ErrNotExist) {
				// Nothing further exists: the rest is read as written.
				for _, c := range rest {
					switch c {
					case "", ".":
					case "..":
						p = path.Dir(p)
					default:
						p = path.Join(p, c)
					}
				}
				return p, nil
			}
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = p
			continue
		}
		if links++; links > MaxLinks {
			return "", &fs.PathError{Op: "resolve", Path: name, Err: ErrTooManyLinks}
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

// ErrTooLarge is returned by [ReadFile] for a file larger than its limit.
var ErrTooLarge = errors.New("file too large")

// ReadFile reads the file name inside fsys after resolving its links
// ([Resolve]), refusing more than limit bytes with an error wrapping
// [ErrTooLarge]. It returns the resolved path too. A missing file gives an
// error matching [fs.ErrNotExist].
func ReadFile(fsys fs.FS, name string, limit int64) (string, []byte, error) {
	p, err := Resolve(fsys, name)
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
		return "", nil, fmt.Errorf("read %s: larger than %d bytes: %w", p, limit, ErrTooLarge)
	}
	return p, b, nil
}
