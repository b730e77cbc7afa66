package rootfs

import (
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Glob returns the names in fsys matching pattern ([path.Match] syntax per
// path element; a leading "/" is allowed), reading each directory on the way
// through its [Resolve]d path, so that links are followed inside the tree: on
// a node where usr/lib/jvm/default links to /usr/lib/jvm/java-17,
// "usr/lib/jvm/*/lib/security/cacerts" matches through both. The names are
// returned as matched, not resolved, sorted, each naming an existing file or
// directory. The only error is [path.ErrBadPattern].
func Glob(fsys fs.FS, pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, err
	}
	paths := []string{"."}
	for _, elem := range strings.Split(pattern, "/") {
		if elem == "" || elem == "." {
			continue
		}
		var next []string
		for _, dir := range paths {
			if !strings.ContainsAny(elem, `*?[\`) {
				next = append(next, path.Join(dir, elem))
				continue
			}
			real, err := Resolve(fsys, dir)
			if err != nil {
				continue
			}
			entries, err := fs.ReadDir(fsys, real)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if ok, _ := path.Match(elem, e.Name()); ok {
					next = append(next, path.Join(dir, e.Name()))
				}
			}
		}
		paths = next
	}
	var out []string
	for _, p := range paths {
		if _, err := Resolve(fsys, p); err == nil {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}
