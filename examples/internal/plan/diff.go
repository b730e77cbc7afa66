package plan

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
)

// Diff returns a unified diff of every file that would change, with every
// secret of the plan and every credential the old or the new content holds
// (whoever wrote it: a URL's password, yum's proxy_password, a registry
// token in config.json: what internal/redact.Find finds) masked as [Redacted] in each
// encoding a file may hold it. Only the files' lines are masked, never the
// diff's own: "holds a secret" stays as written whatever the password. Each file's
// diff is preceded by "# " lines saying why it changes, through which link
// it is reached, and the mode of a new file. Binary files (keystores) are
// summarised, not shown. Diff returns "" when nothing would change.
func (c *Changes) Diff() string {
	var b strings.Builder
	for i := range c.Files {
		f := &c.Files[i]
		if f.Changed() {
			writeDiff(&b, f, c.mask())
		}
	}
	return b.String()
}

func writeDiff(b *strings.Builder, f *Change, m *masker) {
	for _, w := range f.Why {
		fmt.Fprintf(b, "# %s: %s\n", f.Path, w)
	}
	if f.Real != f.Path {
		fmt.Fprintf(b, "# %s is a link to %s; the link is kept\n", f.Path, f.Real)
	}
	from := "a/" + f.Real
	if f.Created() {
		from = "/dev/null"
		fmt.Fprintf(b, "# new file, mode %04o\n", f.Mode.Perm())
	} else if f.Secret && f.Mode&0o004 != 0 {
		fmt.Fprintf(b, "# note: %s holds a secret and is readable by everyone (mode %04o)\n", f.Path, f.Mode.Perm())
	}
	to := "b/" + f.Real
	if f.Removed() {
		to = "/dev/null"
		fmt.Fprintf(b, "# removed\n")
	}
	if isBinary(f.Old) || isBinary(f.New) {
		fmt.Fprintf(b, "Binary files %s and %s differ (%d → %d bytes)\n", from, to, len(f.Old), len(f.New))
		return
	}
	d := difflib.UnifiedDiff{
		A:        splitLines(f.Old),
		B:        splitLines(f.New),
		FromFile: from,
		ToFile:   to,
		Context:  3,
	}
	// WriteUnifiedDiff only fails when the writer does; a Builder does not.
	var u strings.Builder
	_ = difflib.WriteUnifiedDiff(&u, d)
	for i, line := range strings.SplitAfter(u.String(), "\n") {
		// The file names (the first two lines) and the hunk headers are
		// the diff's own; the rest are the file's lines.
		if i >= 2 && !strings.HasPrefix(line, "@@ ") {
			line = m.mask(line)
		}
		b.WriteString(line)
	}
}

// splitLines splits keeping line ends, and marks a missing final newline the
// way diff does, so "a" and "a\n" differ visibly.
func splitLines(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(data), "\n")
	if last := lines[len(lines)-1]; last == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] = last + "\n\\ No newline at end of file\n"
	}
	return lines
}

// isBinary reports content a line diff cannot show: a NUL byte or invalid
// UTF-8.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data)
}
