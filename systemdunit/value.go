package systemdunit

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// word is one word of a value as systemd's extract_first_word() with
// EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE returns it, with its extent in the value.
type word struct {
	text       string // unquoted and unescaped
	start, end int    // byte offsets of the word's source text in the value
	relaxed    bool   // an invalid escape was kept as written
}

var errEscape = errors.New("invalid escape")
var errQuote = errors.New("unbalanced quotes")

// nextWord extracts the first word of s[pos:]. It returns ok == false at the
// end of s, and the position after the word and the white space after it.
// On error the rest of s cannot be read. With relax
// (EXTRACT_UNESCAPE_RELAX), an invalid escape is kept as written.
func nextWord(s string, pos int, relax bool) (w word, next int, ok bool, err error) {
	i := pos
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i >= len(s) {
		return word{}, len(s), false, nil
	}
	w.start = i
	var b []byte
	var q byte // 0, '\'' or '"'
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				if relax && q == 0 {
					b = append(b, '\\')
					w.relaxed = true
					i++
					continue
				}
				return word{}, i, false, fmt.Errorf("%w: trailing backslash", errEscape)
			}
			r, n, eight, e := unescapeOne(s[i+1:])
			if e != nil && relax {
				b = append(b, '\\', s[i+1])
				w.relaxed = true
				i += 2
				continue
			}
			if e != nil {
				return word{}, i, false, e
			}
			if eight {
				b = append(b, byte(r))
			} else {
				b = utf8.AppendRune(b, r)
				if r >= 0xD800 && r <= 0xDFFF {
					// systemd encodes a surrogate as three bytes; Go would
					// write U+FFFD. Keep systemd's bytes.
					b = b[:len(b)-3]
					b = append(b, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
				}
			}
			i += 1 + n
		case q != 0:
			if c == q {
				q = 0
			} else {
				b = append(b, c)
			}
			i++
		case c == '\'' || c == '"':
			q = c
			i++
		case isSpace(c):
			w.text, w.end = string(b), i
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			return w, i, true, nil
		default:
			b = append(b, c)
			i++
		}
	}
	if q != 0 {
		return word{}, i, false, errQuote
	}
	w.text, w.end = string(b), len(s)
	return w, len(s), true, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// unescapeOne decodes the C escape after a backslash as systemd's
// cunescape_one() does (NUL refused). It returns the character, how many
// bytes of s it used, and whether the character is a raw byte.
func unescapeOne(s string) (r rune, n int, eight bool, err error) {
	bad := func() (rune, int, bool, error) {
		e := s
		if len(e) > 1 {
			e = e[:1]
		}
		return 0, 0, false, fmt.Errorf("%w: \\%s", errEscape, e)
	}
	switch s[0] {
	case 'a':
		return '\a', 1, false, nil
	case 'b':
		return '\b', 1, false, nil
	case 'f':
		return '\f', 1, false, nil
	case 'n':
		return '\n', 1, false, nil
	case 'r':
		return '\r', 1, false, nil
	case 't':
		return '\t', 1, false, nil
	case 'v':
		return '\v', 1, false, nil
	case '\\', '"', '\'':
		return rune(s[0]), 1, false, nil
	case 's':
		return ' ', 1, false, nil
	case 'x':
		if len(s) < 3 {
			return bad()
		}
		a, b := unhex(s[1]), unhex(s[2])
		if a < 0 || b < 0 || a == 0 && b == 0 {
			return bad()
		}
		return rune(a<<4 | b), 3, true, nil
	case 'u', 'U':
		n := 4
		if s[0] == 'U' {
			n = 8
		}
		if len(s) < n+1 {
			return bad()
		}
		var c uint32
		for i := 1; i <= n; i++ {
			d := unhex(s[i])
			if d < 0 {
				return bad()
			}
			c = c<<4 | uint32(d)
		}
		if c == 0 || s[0] == 'U' && !unicharValid(c) {
			return bad()
		}
		return rune(c), n + 1, false, nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		if len(s) < 3 {
			return bad()
		}
		var m int
		for i := 0; i < 3; i++ {
			if s[i] < '0' || s[i] > '7' {
				return bad()
			}
			m = m<<3 | int(s[i]-'0')
		}
		if m == 0 || m > 255 {
			return bad()
		}
		return rune(m), 3, true, nil
	}
	return bad()
}

// unicharValid is systemd's unichar_is_valid().
func unicharValid(c uint32) bool {
	switch {
	case c >= 0x110000:
		return false
	case c&0xFFFFF800 == 0xD800:
		return false
	case c >= 0xFDD0 && c <= 0xFDEF:
		return false
	case c&0xFFFE == 0xFFFE:
		return false
	}
	return true
}

// Specifiers resolves the % specifiers of a unit for one unit name, as
// systemd's unit_full_printf() does for a system unit. Specifiers that depend
// on the host (%H, %m, %b, …) are resolved from Host when set there.
type specifiers struct {
	name string          // unit name, e.g. "foo@bar.service"; "" if unknown
	host map[byte]string // host-dependent values, may be nil
}

// knownSpecifiers lists every specifier systemd 252 knows in unit files.
const knownSpecifiers = "iIjJnNpPfyYcrRCdELStaAbBHlmMovwWgGuUTVhsq"

var errSpecifier = errors.New("unknown specifier")

// resolve expands the specifiers of s as systemd's specifier_printf() does.
// "%%" is "%"; a "%" at the end, or before a character that is no ASCII
// letter or digit ("90%+tax", "a%.b"), stays as written; a letter or digit
// that is no specifier is an error. Specifiers systemd knows but that cannot
// be resolved without the host are kept as written.
func (sp specifiers) resolve(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		c = s[i]
		if c == '%' {
			b.WriteByte('%')
			continue
		}
		if !isAlnum(c) {
			// Not a possible specifier: systemd keeps both as written.
			b.WriteByte('%')
			b.WriteByte(c)
			continue
		}
		if !strings.ContainsRune(knownSpecifiers, rune(c)) {
			return "", fmt.Errorf("%w: %%%c", errSpecifier, c)
		}
		if v, ok := sp.lookup(c); ok {
			b.WriteString(v)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(c)
	}
	return b.String(), nil
}

// isAlnum reports whether c is an ASCII letter or digit, the characters
// systemd reserves for specifiers (POSSIBLE_SPECIFIERS).
func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lookup resolves specifiers that depend only on the unit name or that are
// constant for the system manager.
func (sp specifiers) lookup(c byte) (string, bool) {
	if v, ok := sp.host[c]; ok {
		return v, true
	}
	switch c {
	case 't':
		return "/run", true
	case 'S':
		return "/var/lib", true
	case 'C':
		return "/var/cache", true
	case 'L':
		return "/var/log", true
	case 'E':
		return "/etc", true
	case 'T':
		return "/tmp", true
	case 'V':
		return "/var/tmp", true
	case 'u':
		return "root", true
	case 'U', 'G':
		return "0", true
	case 'g':
		return "root", true
	case 'h':
		return "/root", true
	}
	if sp.name == "" {
		return "", false
	}
	prefix, instance, suffix := splitUnitName(sp.name)
	switch c {
	case 'n':
		return sp.name, true
	case 'N':
		return strings.TrimSuffix(sp.name, suffix), true
	case 'p':
		return prefix, true
	case 'P':
		return unescapeName(prefix), true
	case 'i':
		return instance, true
	case 'I':
		return unescapeName(instance), true
	case 'j':
		return lastComponent(prefix), true
	case 'J':
		return unescapeName(lastComponent(prefix)), true
	case 'f':
		if instance != "" {
			return unescapePath(instance), true
		}
		return unescapePath(prefix), true
	}
	return "", false
}

// splitUnitName splits "pre@inst.type" into "pre", "inst" and ".type".
func splitUnitName(name string) (prefix, instance, suffix string) {
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return name, "", ""
	}
	base, suffix := name[:dot], name[dot:]
	prefix, instance, _ = strings.Cut(base, "@")
	return prefix, instance, suffix
}

func lastComponent(prefix string) string {
	if i := strings.LastIndexByte(prefix, '-'); i >= 0 {
		return prefix[i+1:]
	}
	return prefix
}

// unescapeName undoes systemd-escape: "-" is "/", "\xNN" a byte.
func unescapeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			b.WriteByte('/')
			continue
		}
		if c == '\\' && i+3 < len(s) && s[i+1] == 'x' && unhex(s[i+2]) >= 0 && unhex(s[i+3]) >= 0 {
			b.WriteByte(byte(unhex(s[i+2])<<4 | unhex(s[i+3])))
			i += 3
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unescapePath is unit_name_path_unescape(): "-" is "/" and the result is
// absolute.
func unescapePath(s string) string {
	if s == "-" || s == "" {
		return "/"
	}
	return "/" + strings.TrimPrefix(unescapeName(s), "/")
}
