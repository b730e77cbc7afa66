package proxyenv

import (
	"fmt"
	"strings"
)

// Format names used in errors and warnings.
const (
	formatEtcEnvironment = "/etc/environment"
	formatProfile        = "profile.d script"
)

// EtcEnvironment returns the edit of /etc/environment, the file pam_env
// reads into every login session: http_proxy, https_proxy and no_proxy in
// both cases (ftp_proxy too when set), each as NAME="value". A variable's
// first line is replaced in place and later duplicates dropped; variables
// new to the file go after the last proxy line (at the end when there is
// none); an unset proxy's lines are removed, except ftp_proxy's, which are
// left alone. Other lines, comments, CRLF line ends and a missing final
// newline are kept; the lines written end with LF even in a CRLF file, as
// pam_env would read a CR into the value.
//
// pam_env reads the file literally (no escapes, '#' always starts a comment),
// while systemd's EnvironmentFile= and sh read quotes and backslashes: a value
// holding a control character, '#', a quote, a backslash or '$' would read
// differently, so it is refused. Proxy URLs never hold one: their
// credentials are percent-encoded.
//
// The file is world-readable: the warnings say so when a proxy carries
// credentials.
func (s Settings) EtcEnvironment() (Edit, []Warning, error) {
	vars := s.envVars()
	for _, v := range vars {
		if class, bad := charClass(v.value, func(c byte) bool {
			return c < 0x20 || c == 0x7f || strings.IndexByte("#\"'`\\$", c) >= 0
		}); bad {
			return nil, nil, unsafeValue(formatEtcEnvironment, v.name, class)
		}
	}
	return envEdit(formatEtcEnvironment, vars, true, joinPAMEnv, func(v envVar) string {
		return v.name + `="` + v.value + `"`
	}), worldReadable(s, formatEtcEnvironment), nil
}

// ProfileScript returns the edit of a shell profile snippet such as
// /etc/profile.d/proxy.sh: one "export NAME='value'" line for http_proxy,
// https_proxy and no_proxy in both cases (ftp_proxy too when set), safe for
// any character a value may hold. Lines are kept, replaced and removed as by
// [Settings.EtcEnvironment]. The script is read by sh as written: a line of
// ours that also runs other commands, a here-document or an unterminated
// quote makes the edit refuse the file rather than guess.
func (s Settings) ProfileScript() (Edit, []Warning, error) {
	vars := s.envVars()
	for _, v := range vars {
		if class, bad := charClass(v.value, func(c byte) bool { return c < 0x20 || c == 0x7f }); bad {
			return nil, nil, unsafeValue(formatProfile, v.name, class)
		}
	}
	owned := make(map[string]bool)
	for _, v := range vars {
		owned[v.name] = true
	}
	join := func(ls []line) ([]line, error) { return joinShell(formatProfile, ls, owned, true) }
	return envEdit(formatProfile, vars, true, join, func(v envVar) string {
		return "export " + v.name + "=" + shellQuote(v.value)
	}), worldReadable(s, formatProfile), nil
}

// envSafe reports whether c means the same, unquoted, to systemd's
// EnvironmentFile= parser and to sh in an assignment.
func envSafe(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("-._~%:/@,*+=[]", c) >= 0
}

// worldReadable warns when credentials go into a file every user can read.
func worldReadable(s Settings, format string) []Warning {
	if !s.HasCredentials() {
		return nil
	}
	return []Warning{{Format: format, Message: "the proxy credentials are written to a file every local user can read; " +
		"prefer a proxy that needs none for this file, or give each service its credentials in a file only it can read"}}
}

// shellQuote quotes v for sh: inside single quotes every character is
// literal, and a single quote is written as '\”.
func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// joinPAMEnv joins the physical lines of /etc/environment into the logical
// lines pam_env reads: a line that is not a comment, holds no '#' and ends
// with a backslash continues on the next line.
//
// A file whose last line continues is refused: a line added after it would
// become part of its value.
func joinPAMEnv(ls []line) ([]line, error) {
	var out []line
	for i := 0; i < len(ls); i++ {
		l := ls[i]
		for continuesPAM(l.text) {
			if i+1 == len(ls) {
				return nil, malformed(formatEtcEnvironment, l.num, "continuation (a final backslash) at end of file")
			}
			i++
			l.text += l.eol + ls[i].text
			l.eol = ls[i].eol
		}
		out = append(out, l)
	}
	return out, nil
}

func continuesPAM(text string) bool {
	t := strings.TrimLeft(text, " \t")
	if strings.HasPrefix(t, "#") || strings.Contains(t, "#") {
		return false
	}
	t = strings.TrimRight(t, " \t\r\v\f")
	return strings.HasSuffix(t, `\`)
}

// joinShell joins physical lines into logical ones as sh (shell) or
// systemd's environment-file parser (!shell) reads them: quotes may span
// lines and a backslash at the end of a line continues it. It refuses an
// unterminated quote and, in shell mode, a here-document, and a line
// assigning an owned variable that holds anything after the value but blanks
// and a comment.
func joinShell(format string, ls []line, owned map[string]bool, shell bool) ([]line, error) {
	var out []line
	for i := 0; i < len(ls); i++ {
		l := ls[i]
		t := strings.TrimLeft(l.text, " \t")
		if t == "" || t[0] == '#' || !shell && t[0] == ';' {
			out = append(out, l)
			continue
		}
		st := shellScan{shell: shell}
		if err := st.scan(l.text); err != nil {
			return nil, malformed(format, l.num, err.Error())
		}
		for st.open() {
			if i+1 >= len(ls) {
				return nil, malformed(format, l.num, "unterminated quote or continuation at end of file")
			}
			i++
			l.text += l.eol + ls[i].text
			l.eol = ls[i].eol
			if err := st.scan(ls[i].text); err != nil {
				return nil, malformed(format, ls[i].num, err.Error())
			}
		}
		if k, ok := envKey(l.text); ok && owned[k] {
			if err := singleAssignment(l.text, shell); err != nil {
				return nil, &FormatError{Format: format, Line: l.num, Item: k, Detail: err.Error(), Err: ErrMalformed}
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// shellScan follows quoting across the physical lines of one logical line.
type shellScan struct {
	shell bool
	state byte // 0 unquoted, '\'' single, '"' double, '$' ANSI-C $'…'
	cont  bool // the last line ended with an escaping backslash
}

func (s *shellScan) open() bool { return s.state != 0 || s.cont }

// scan reads one physical line.
func (s *shellScan) scan(text string) error {
	s.cont = false
	text = strings.TrimRight(text, "\r")
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch s.state {
		case 0:
			switch {
			case c == '\\':
				if i+1 == len(text) {
					s.cont = true
					return nil
				}
				i++
			case c == '\'':
				s.state = '\''
			case c == '"':
				s.state = '"'
			case s.shell && c == '$' && i+1 < len(text) && text[i+1] == '\'':
				s.state = '$'
				i++
			case s.shell && c == '#' && (i == 0 || strings.IndexByte(" \t;&|()", text[i-1]) >= 0):
				return nil // a comment runs to the end of the line
			case s.shell && c == '<' && i+1 < len(text) && text[i+1] == '<':
				return fmt.Errorf("here-document not supported")
			}
		case '\'':
			if c == '\'' {
				s.state = 0
			}
		case '"', '$':
			switch {
			case c == '\\':
				if i+1 == len(text) {
					return nil // escaped newline inside quotes: still open
				}
				i++
			case c == '"' && s.state == '"', c == '\'' && s.state == '$':
				s.state = 0
			}
		}
	}
	return nil
}

// singleAssignment checks that a logical line assigning a variable holds
// nothing after the value but blanks, a ';' (shell) and a comment, so that
// replacing the line loses nothing.
func singleAssignment(text string, shell bool) error {
	if !shell {
		return nil // systemd reads the rest of the line as the value
	}
	i := strings.IndexByte(text, '=') + 1
	st := shellScan{shell: true}
	for ; i < len(text); i++ {
		c := text[i]
		if st.state == 0 && (c == ' ' || c == '\t' || c == ';') {
			break
		}
		switch st.state {
		case 0:
			switch c {
			case '\\':
				i++
			case '\'', '"':
				st.state = c
			case '$':
				if i+1 < len(text) && text[i+1] == '\'' {
					st.state = '$'
					i++
				}
			}
		case '\'':
			if c == '\'' {
				st.state = 0
			}
		default:
			switch {
			case c == '\\':
				i++
			case c == '"' && st.state == '"', c == '\'' && st.state == '$':
				st.state = 0
			}
		}
	}
	rest := strings.TrimLeft(text[min(i, len(text)):], " \t\r")
	rest = strings.TrimLeft(strings.TrimPrefix(rest, ";"), " \t\r")
	if rest == "" || rest[0] == '#' {
		return nil
	}
	return fmt.Errorf("the line also runs other commands; edit it by hand")
}
