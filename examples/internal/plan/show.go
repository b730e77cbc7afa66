package plan

import (
	"crypto/sha256"
	"fmt"
)

// A FileDiff is one file's change as a front end that shows the whole
// before and after wants it (Ansible's --diff): every secret masked as in
// [Changes.Diff], binary content (keystores) summarised.
type FileDiff struct {
	Path   string // the file as the first step named it, root-relative
	Before string // the current content, masked; "" when the file does not exist
	After  string // the planned content, masked; "" when it is removed
}

// FileDiffs returns a FileDiff for every file that would change, in the
// order of [Changes.Files].
func (c *Changes) FileDiffs() []FileDiff {
	var out []FileDiff
	m := c.mask()
	show := func(b []byte) string {
		switch {
		case b == nil:
			return ""
		case isBinary(b):
			return fmt.Sprintf("(binary content, %d bytes, SHA-256 %x)\n", len(b), sha256.Sum256(b))
		}
		return m.mask(string(b))
	}
	for i := range c.Files {
		f := &c.Files[i]
		if f.Changed() {
			out = append(out, FileDiff{Path: f.Path, Before: show(f.Old), After: show(f.New)})
		}
	}
	return out
}
