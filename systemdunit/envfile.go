package systemdunit

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxEnvFile bounds the size of an EnvironmentFile= file read by
// [Unit.Effective].
const maxEnvFile = 4 << 20

// ParseEnvironmentFile reads a file named by EnvironmentFile= as systemd
// 252 does (systemd.exec(5); env-file.c): newline-separated KEY=value
// assignments; empty lines, lines without '=' and lines starting with '#' or
// ';' are ignored; blanks around the key and the value are dropped. An
// unquoted value keeps its interior blanks and reads backslash escapes as
// the shell does (a backslash before a newline continues the line); a
// '…'-quoted value is taken verbatim and may span lines; a "…"-quoted value
// may span lines and reads \\, \$, \", \` and \newline as the shell does,
// keeping other backslashes. Assignments whose key is not a valid name are
// dropped, as systemd drops them. Later assignments of a key replace
// earlier ones in place.
//
// It returns the assignments as "KEY=value" strings; the error is reserved
// for input too large or not UTF-8, which systemd refuses.
func ParseEnvironmentFile(b []byte) ([]string, error) {
	if len(b) > maxEnvFile {
		return nil, fmt.Errorf("environment file larger than %d bytes: %w", maxEnvFile, ErrValue)
	}
	var env []string
	push := func(key, value string) {
		key = strings.TrimRight(key, " \t\r")
		if ValidName(key) {
			env = replaceEnv(env, key+"="+value)
		}
	}
	s := string(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	for i := 0; i < len(s); {
		// Start of a line: skip blanks, comments and lines without '='.
		for i < len(s) && strings.IndexByte(" \t\r\n", s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] == '#' || s[i] == ';' {
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != '\n' {
			i++
		}
		if i >= len(s) || s[i] == '\n' {
			continue // no '=': ignored
		}
		key := s[start:i]
		i++ // '='
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			i++
		}
		var v strings.Builder
		switch {
		case i < len(s) && s[i] == '\'':
			i++
			for i < len(s) && s[i] != '\'' {
				v.WriteByte(s[i])
				i++
			}
			i++ // closing quote
			for i < len(s) && s[i] != '\n' {
				i++ // anything after the quote up to the line's end is dropped
			}
		case i < len(s) && s[i] == '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					switch s[i+1] {
					case '\n':
						i += 2
						continue
					case '\\', '$', '"', '`':
						v.WriteByte(s[i+1])
						i += 2
						continue
					}
				}
				v.WriteByte(s[i])
				i++
			}
			i++
			for i < len(s) && s[i] != '\n' {
				i++
			}
		default:
			blanks := 0 // trailing blanks written, dropped at the end
			for i < len(s) && s[i] != '\n' {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					if s[i+1] == '\n' {
						i += 2
						continue
					}
					v.WriteByte(s[i+1])
					blanks = 0
					i += 2
					continue
				}
				v.WriteByte(c)
				if c == ' ' || c == '\t' || c == '\r' {
					blanks++
				} else {
					blanks = 0
				}
				i++
			}
			val := v.String()
			v.Reset()
			v.WriteString(val[:len(val)-blanks])
		}
		push(key, v.String())
	}
	for _, kv := range env {
		if !utf8.ValidString(kv) {
			return nil, fmt.Errorf("environment file is not UTF-8: %w", ErrValue)
		}
	}
	return env, nil
}
