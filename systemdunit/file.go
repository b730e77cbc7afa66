package systemdunit

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// File is a unit file or drop-in as read by [Parse]: every byte of the input
// is kept, so [File.Bytes] returns the input unchanged until an edit.
//
// Edits ([File.Set], [File.Add], [File.Remove], [File.SetList]) change only
// the lines they must: comments, blank lines, the order of keys and the line
// terminators of other lines stay. Keys and section names are case-sensitive,
// as in systemd. A section may appear several times; systemd reads them as
// one, and so do the accessors and edits here.
type File struct {
	// Name is the file's name for error messages and for the unit-name
	// specifiers (%n, %p, %i, …); it may be empty.
	Name string

	blocks      []*block
	displayName string // Name for messages when Name was replaced by a unit name
}

// fileName is the name errors report.
func (f *File) fileName() string {
	if f.displayName != "" {
		return f.displayName
	}
	return f.Name
}

// Bytes returns the file's text: the parsed input where untouched.
func (f *File) Bytes() []byte {
	n := 0
	for _, b := range f.blocks {
		n += len(b.raw)
	}
	out := make([]byte, 0, n)
	for _, b := range f.blocks {
		out = append(out, b.raw...)
	}
	return out
}

// Assignment is one Key=value line of a file as systemd reads it.
type Assignment struct {
	Section string // the section it is in
	Key     string // white space stripped
	Value   string // continuation lines joined, white space stripped; "" is a reset
	Line    int    // line number as systemd reports it
}

// Assignments returns every assignment inside a section, in file order.
// Lines outside any section and lines without '=' are skipped, as systemd
// skips them.
func (f *File) Assignments() []Assignment {
	var out []Assignment
	for _, b := range f.blocks {
		if b.kind == kindAssign && b.inSect {
			out = append(out, Assignment{Section: b.section, Key: b.key, Value: b.value, Line: b.line})
		}
	}
	return out
}

// Sections returns the names of the file's sections in order of first
// appearance.
func (f *File) Sections() []string {
	var out []string
	seen := map[string]bool{}
	for _, b := range f.blocks {
		if b.kind == kindSection && !seen[b.section] {
			seen[b.section] = true
			out = append(out, b.section)
		}
	}
	return out
}

// Values returns the values assigned to key in section, in order, resets
// ("") included.
func (f *File) Values(section, key string) []string {
	var out []string
	for _, b := range f.blocks {
		if b.kind == kindAssign && b.inSect && b.section == section && b.key == key {
			out = append(out, b.value)
		}
	}
	return out
}

// Get returns the last value assigned to key in section, the one that wins
// for single-valued settings.
func (f *File) Get(section, key string) (string, bool) {
	v := f.Values(section, key)
	if len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

// newline returns the line terminator new lines get: the first one of the
// file, "\n" when it has none.
func (f *File) newline() string {
	for _, b := range f.blocks {
		r := b.raw
		if i := bytes.IndexAny(r, "\r\n"); i >= 0 {
			if bytes.HasPrefix(r[i:], []byte("\r\n")) {
				return "\r\n"
			}
			return string(r[i])
		}
	}
	return "\n"
}

// checkLine verifies that key=value can be written as one physical line
// that every systemd since 219 reads back as given.
func checkLine(key, value string) error {
	if key == "" || strings.ContainsAny(key, "=[#;") || strings.TrimSpace(key) != key || !safeString(key) {
		return fmt.Errorf("%w: key %s", ErrUnwritable, quoted(key))
	}
	if strings.ContainsAny(value, "\n\r\x00") {
		return fmt.Errorf("%w: line break or NUL in value %s", ErrUnwritable, quoted(value))
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("%w: value is not UTF-8: %s", ErrUnwritable, quoted(value))
	}
	if strings.TrimSpace(value) != value {
		return fmt.Errorf("%w: white space around value %s", ErrUnwritable, quoted(value))
	}
	if endsEscaped([]byte(value)) {
		return fmt.Errorf("%w: value ends in a backslash: %s", ErrUnwritable, quoted(value))
	}
	if _, err := wrapLine(key+"="+value, "\n"); err != nil {
		return err
	}
	return nil
}

// wrapLine returns line as physical lines of at most MaxWriteLine bytes
// each, terminator included: where it is longer, a space is replaced by a
// backslash and a line break, which systemd turns back into the space. A
// continuation line never starts with white space, '#' or ';', which
// systemd would read as a comment.
func wrapLine(line, nl string) (string, error) {
	limit := MaxWriteLine - len(nl)
	if len(line) <= limit {
		return line + nl, nil
	}
	var b strings.Builder
	for len(line) > limit {
		cut := -1
		for i := limit - 1; i > 0; i-- { // room for the backslash
			if line[i] != ' ' || i+1 >= len(line) {
				continue
			}
			next := line[i+1]
			if next == ' ' || next == '\t' || next == '#' || next == ';' || line[i-1] == ' ' || endsEscaped([]byte(line[:i])) {
				continue
			}
			cut = i
			break
		}
		if cut < 0 {
			return "", fmt.Errorf("%w: no place to break a line longer than %d bytes: %s", ErrUnwritable, MaxWriteLine, quoted(line))
		}
		b.WriteString(line[:cut])
		b.WriteString("\\")
		b.WriteString(nl)
		line = line[cut+1:]
	}
	b.WriteString(line)
	b.WriteString(nl)
	return b.String(), nil
}

func (f *File) newAssign(section, key, value string) *block {
	raw, _ := wrapLine(key+"="+value, f.newline()) // checked by checkLine
	return &block{
		raw:     []byte(raw),
		kind:    kindAssign,
		section: section,
		inSect:  true,
		key:     key,
		value:   value,
	}
}

// ensureTerminated adds a line terminator to the last block if the file
// does not end with one, so that a line can follow.
func (f *File) ensureTerminated() {
	if len(f.blocks) == 0 {
		return
	}
	last := f.blocks[len(f.blocks)-1]
	if n := len(last.raw); n > 0 && last.raw[n-1] != '\n' && last.raw[n-1] != '\r' && last.raw[n-1] != 0 {
		last.raw = append(last.raw[:n:n], f.newline()...)
	}
	if openContinuation(last) {
		// The file ends inside a continuation: a blank line ends it
		// without changing what systemd reads.
		last.raw = append(last.raw[:len(last.raw):len(last.raw)], f.newline()...)
	}
}

// insertPoint returns the index at which a new assignment of key in section
// goes: after the last assignment of key there, else after the last
// assignment of the section, else right after its last header; -1 when the
// file has no such section.
func (f *File) insertPoint(section, key string) int {
	lastKey, lastAssign, header := -1, -1, -1
	cur, in := "", false
	for i, b := range f.blocks {
		switch b.kind {
		case kindSection:
			cur, in = b.section, true
			if b.section == section {
				header = i
			}
		case kindAssign, kindOther:
			if in && cur == section {
				lastAssign = i
				if b.kind == kindAssign && b.key == key {
					lastKey = i
				}
			}
		}
	}
	switch {
	case lastKey >= 0:
		return lastKey + 1
	case lastAssign >= 0 && lastAssign > header:
		return lastAssign + 1
	case header >= 0:
		return header + 1
	}
	return -1
}

func (f *File) insert(at int, bs ...*block) {
	if at == len(f.blocks) {
		f.ensureTerminated()
	}
	f.blocks = append(f.blocks[:at], append(bs, f.blocks[at:]...)...)
}

// appendSection adds "[section]" and the blocks at the end of the file,
// separated from what precedes by a blank line.
func (f *File) appendSection(section string, bs ...*block) {
	f.ensureTerminated()
	nl := f.newline()
	if len(f.blocks) > 0 && f.blocks[len(f.blocks)-1].kind != kindBlank {
		f.blocks = append(f.blocks, &block{raw: []byte(nl), kind: kindBlank})
	}
	f.blocks = append(f.blocks, &block{raw: []byte("[" + section + "]" + nl), kind: kindSection, section: section})
	f.blocks = append(f.blocks, bs...)
}

func (f *File) isKey(b *block, section, key string) bool {
	return b.kind == kindAssign && b.inSect && b.section == section && b.key == key
}

// Add appends the assignment key=value to section: after the last
// assignment of key there, else at the end of the section, else in a new
// section at the end of the file. The value is written as given (format it
// with [FormatEnvironment] or [FormatExec]); it must fit on one physical
// line.
func (f *File) Add(section, key, value string) error {
	if err := checkLine(key, value); err != nil {
		return err
	}
	nb := f.newAssign(section, key, value)
	if at := f.insertPoint(section, key); at >= 0 {
		f.insert(at, nb)
	} else {
		f.appendSection(section, nb)
	}
	return nil
}

// Set makes value the only assignment of key in section: the first
// existing assignment is rewritten in place and later ones removed; without
// one, the assignment is added as by [File.Add]. Setting the value a key
// already has alone changes nothing.
func (f *File) Set(section, key, value string) error {
	return f.SetList(section, key, []string{value})
}

// SetList makes values the assignments of key in section, in order, at the
// position of the first existing assignment (comment lines inside a replaced
// continuation are kept above it). Use a leading "" to reset a list setting
// that earlier files set, as a drop-in does for ExecStart=. An empty values
// removes the key.
func (f *File) SetList(section, key string, values []string) error {
	for _, v := range values {
		if err := checkLine(key, v); err != nil {
			return err
		}
	}
	// Unchanged? Then keep the bytes exactly.
	if cur := f.Values(section, key); len(cur) == len(values) && len(cur) > 0 {
		same := true
		for i := range cur {
			same = same && sameValue(key, cur[i], values[i])
		}
		if same {
			return nil
		}
	}
	var nbs []*block
	for _, v := range values {
		nbs = append(nbs, f.newAssign(section, key, v))
	}
	first := -1
	out := f.blocks[:0:0]
	for _, b := range f.blocks {
		if !f.isKey(b, section, key) {
			out = append(out, b)
			continue
		}
		if first < 0 {
			// A value replacing a continued one of a key whose value is a
			// list of words keeps the old grouping of words on lines.
			if nb, leftover := f.relayout(b, key, values); nb != nil {
				nbs[0] = nb
				if len(leftover) > 0 {
					out = append(out, &block{raw: leftover, kind: kindComment})
				}
				first = len(out)
				continue
			}
		}
		// Keep comment lines that sat inside a continuation.
		out = append(out, innerComments(b)...)
		if first < 0 {
			first = len(out)
		}
	}
	f.blocks = out
	if len(nbs) == 0 {
		return nil
	}
	if first >= 0 {
		f.insert(first, nbs...)
		return nil
	}
	if at := f.insertPoint(section, key); at >= 0 {
		f.insert(at, nbs...)
	} else {
		f.appendSection(section, nbs...)
	}
	return nil
}

// innerComments returns the comment lines inside a continued assignment.
func innerComments(b *block) []*block {
	var out []*block
	lines := splitLines(b.raw)
	if len(lines) < 2 {
		return nil
	}
	for _, pl := range lines[1:] {
		if isCommentLine(pl.text) {
			out = append(out, &block{raw: pl.raw, kind: kindComment})
		}
	}
	return out
}

// Remove deletes every assignment of key in section and reports whether
// there was one.
func (f *File) Remove(section, key string) bool {
	had := len(f.Values(section, key)) > 0
	if had {
		_ = f.SetList(section, key, nil)
	}
	return had
}

// Clone returns a deep copy of f.
func (f *File) Clone() *File {
	g := &File{Name: f.Name, blocks: make([]*block, len(f.blocks))}
	for i, b := range f.blocks {
		c := *b
		c.raw = append([]byte(nil), b.raw...)
		g.blocks[i] = &c
	}
	return g
}

// unitName derives the unit's name from f.Name: the base name of a unit
// file, or the name of a drop-in's "<unit>.d" directory.
func (f *File) unitName() string {
	name := f.Name
	dir, base := "", name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		dir, base = name[:i], name[i+1:]
	}
	if strings.HasSuffix(base, ".conf") && strings.HasSuffix(dir, ".d") {
		if i := strings.LastIndexByte(dir, '/'); i >= 0 {
			dir = dir[i+1:]
		}
		return strings.TrimSuffix(dir, ".d")
	}
	if strings.HasSuffix(base, ".conf") {
		return ""
	}
	return base
}

// relayout returns the block for values[0] laid out like the continued
// block old, or nil, and the comment lines of old it did not place.
func (f *File) relayout(old *block, key string, values []string) (*block, []byte) {
	if len(values) == 0 || values[0] == "" || !(key == "Environment" || slices.Contains(ExecKeys, key)) {
		return nil, nil
	}
	raw, leftover := layoutLike(old, key, values[0], f.newline())
	if raw == "" {
		return nil, nil
	}
	g, err := Parse([]byte(raw))
	if err != nil || len(g.blocks) != 1 || g.blocks[0].kind != kindAssign {
		return nil, nil
	}
	nb := f.newAssign(old.section, key, values[0])
	nb.raw, nb.value = []byte(raw), g.blocks[0].value
	return nb, leftover
}

// sameValue compares two values of key; values that are lists of words
// compare word by word, so that a value laid out over several lines equals
// the one-line form.
func sameValue(key, a, b string) bool {
	if a == b {
		return true
	}
	if key != "Environment" && !slices.Contains(ExecKeys, key) {
		return false
	}
	aw, ok1 := splitWords(a)
	bw, ok2 := splitWords(b)
	return ok1 && ok2 && slices.Equal(aw, bw)
}

// openContinuation reports whether b's last line that is not a comment ends
// in a backslash: the next line would continue it.
func openContinuation(b *block) bool {
	lines := splitLines(b.raw)
	for i := len(lines) - 1; i >= 0; i-- {
		if !isCommentLine(lines[i].text) {
			return endsEscaped(lines[i].text)
		}
	}
	return false
}
