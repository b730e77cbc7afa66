package systemdunit

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Limits systemd 252 applies when reading a unit file.
const (
	// MaxLine is the longest logical line systemd reads (LONG_LINE_MAX), a
	// physical line or a line joined from continuations.
	MaxLine = 1 << 20
	// MaxFile bounds the input Parse accepts; systemd has no such limit but
	// no unit file comes near it.
	MaxFile = 16 << 20
	// MaxWriteLine is the longest physical line, terminator included, that
	// the writer produces: every systemd since 219 reads such a line whole.
	MaxWriteLine = 2047
)

const bom = "\xef\xbb\xbf"

// kind says what a block of lines is.
type kind uint8

const (
	kindBlank   kind = iota // empty or white space only
	kindComment             // first non-blank character is '#' or ';'
	kindSection             // [Name]
	kindAssign              // Key=value, possibly continued over several lines
	kindOther               // a line systemd ignores with a warning ("Missing '='")
)

// block is one or more physical lines that systemd reads as one unit: a
// blank or comment line, a section header, or an assignment with its
// continuation lines (and the comment lines interleaved with them).
type block struct {
	raw     []byte // exact bytes, line terminators included
	kind    kind
	section string // kindSection: its name; kindAssign: the section it is in
	inSect  bool   // kindAssign: it is inside a section (systemd ignores it otherwise)
	key     string // kindAssign: the key, white space stripped
	value   string // kindAssign: the value as systemd passes it on (joined, stripped)
	line    int    // the line number systemd reports (its last physical line)
}

// physLine is one line as systemd's read_line() returns it.
type physLine struct {
	text []byte // content without terminator
	raw  []byte // content and terminator
}

// splitLines splits data as systemd's read_line() does: a line ends at
// "\n", "\r", "\r\n", "\n\r" (each of CR and LF at most once per terminator),
// or at a NUL byte, which may follow such a terminator and ends it.
func splitLines(data []byte) []physLine {
	var lines []physLine
	for start := 0; start < len(data); {
		i := start
		for i < len(data) && data[i] != '\n' && data[i] != '\r' && data[i] != 0 {
			i++
		}
		end := i
		var seen byte // 1: LF, 2: CR, 4: NUL
		for end < len(data) {
			var eol byte
			switch data[end] {
			case '\n':
				eol = 1
			case '\r':
				eol = 2
			case 0:
				eol = 4
			}
			if seen&4 != 0 || eol == 0 || seen&eol != 0 {
				break
			}
			seen |= eol
			end++
		}
		lines = append(lines, physLine{text: data[start:i], raw: data[start:end]})
		start = end
	}
	return lines
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// isCommentLine reports whether systemd skips the line as a comment before
// anything else, even in the middle of a continuation.
func isCommentLine(text []byte) bool {
	t := trimSpace(text)
	return len(t) > 0 && (t[0] == '#' || t[0] == ';')
}

// endsEscaped reports whether s ends in an unescaped backslash, which
// continues the line.
func endsEscaped(s []byte) bool {
	escaped := false
	for _, c := range s {
		if escaped {
			escaped = false
		} else if c == '\\' {
			escaped = true
		}
	}
	return escaped
}

// Parse reads a unit file or drop-in as systemd 252 reads it. It fails
// only where systemd refuses the whole file; lines systemd ignores with a
// warning are kept, and untouched files are written back byte for byte by
// [File.Bytes].
func Parse(data []byte) (*File, error) {
	return ParseNamed("", data)
}

// ParseNamed is [Parse] with a file name for error messages.
func ParseNamed(name string, data []byte) (*File, error) {
	if len(data) > MaxFile {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: file larger than %d bytes", ErrSyntax, MaxFile)}
	}
	data = bytes.Clone(data) // the File must not change with the caller's slice
	f := &File{Name: name}
	var (
		section string
		inSect  bool
		bomSeen bool
		cont    []byte // joined continuation so far, nil if none
		contRaw []byte
		line    int
	)
	fail := func(text []byte, err error) (*File, error) {
		return nil, &ParseError{File: name, Line: line, Text: excerpt(string(text)), Err: err}
	}
	// finish turns one logical line into a block.
	finish := func(logical, raw []byte) error {
		b := &block{raw: raw, line: line}
		l := trimSpace(logical)
		switch {
		case len(l) == 0:
			b.kind = kindBlank
		// Comment lines were taken out before; a '#' or ';' here follows
		// a byte order mark, and systemd reads such a line as any other.
		case !utf8.Valid(l):
			return fmt.Errorf("%w: line is not UTF-8", ErrSyntax)
		case l[0] == '[':
			if l[len(l)-1] != ']' {
				return fmt.Errorf("%w: invalid section header", ErrSyntax)
			}
			n := string(l[1 : len(l)-1])
			if !safeString(n) {
				return fmt.Errorf("%w: bad characters in section header", ErrSyntax)
			}
			b.kind, b.section = kindSection, n
			section, inSect = n, true
		default:
			eq := bytes.IndexByte(l, '=')
			if eq <= 0 {
				b.kind = kindOther
				break
			}
			b.kind = kindAssign
			b.section, b.inSect = section, inSect
			b.key = string(trimSpace(l[:eq]))
			b.value = string(trimSpace(l[eq+1:]))
		}
		f.blocks = append(f.blocks, b)
		return nil
	}
	for _, pl := range splitLines(data) {
		line++
		if len(pl.text) > MaxLine {
			return fail(pl.text, fmt.Errorf("%w: line too long", ErrSyntax))
		}
		if isCommentLine(pl.text) {
			if cont != nil {
				contRaw = append(contRaw, pl.raw...)
				continue
			}
			f.blocks = append(f.blocks, &block{raw: pl.raw, kind: kindComment, line: line})
			continue
		}
		l := pl.text
		if !bomSeen && bytes.HasPrefix(l, []byte(bom)) {
			l = l[len(bom):]
			bomSeen = true
		}
		var p []byte
		if cont != nil {
			if len(cont)+len(l) > MaxLine {
				return fail(l, fmt.Errorf("%w: continuation line too long", ErrSyntax))
			}
			p = append(cont, l...)
			contRaw = append(contRaw, pl.raw...)
		} else {
			p = l
			contRaw = pl.raw[:len(pl.raw):len(pl.raw)] // appending copies
		}
		// The joined part ends in the space that replaced a backslash, so
		// the new line alone decides whether the line continues.
		if endsEscaped(l) {
			if cont == nil {
				p = append([]byte(nil), l...) // keep data intact
			}
			p[len(p)-1] = ' '
			cont = p
			continue
		}
		cont = nil
		if err := finish(p, contRaw); err != nil {
			return fail(p, err)
		}
	}
	if cont != nil {
		if err := finish(cont, contRaw); err != nil {
			return fail(cont, err)
		}
	}
	return f, nil
}

// safeString reports what systemd's string_is_safe() does: no control
// characters, no quotes, no backslash.
func safeString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c == 0x7f || c == '\\' || c == '"' || c == '\'' {
			return false
		}
	}
	return true
}
