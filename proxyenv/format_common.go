package proxyenv

// The consumer formats: each file a proxy must be written into is an [Edit]
// built by a method of [Settings], which also returns the [Warning]s the
// format had to accept, or an error (*[FormatError], [ErrUnsafeValue]) when a
// value cannot be written safely in it:
//
//	/etc/environment                  Settings.EtcEnvironment   format_envfile.go
//	/etc/profile.d/proxy.sh           Settings.ProfileScript    format_envfile.go
//	/opt/mesosphere/etc/proxy.env     Settings.DCOSProxyEnv     format_envfile.go
//	/etc/yum.conf, /etc/dnf/dnf.conf  Settings.YumConf, DNFConf format_yum.go
//	/etc/apt/apt.conf.d/…             Settings.AptConf          format_apt.go
//	/etc/docker/daemon.json           Settings.DockerDaemonJSON format_docker.go
//	~/.docker/config.json             Settings.DockerClientConfig
//	.condarc                          Settings.Condarc          format_condarc.go
//	docker-compose.yml services       Settings.ComposeFile      format_compose.go
//	a compose project's .env          Settings.ComposeDotEnv    format_compose.go
//
// and two value lists that are no file of their own: Settings.DockerDaemonEnv
// (for a systemd drop-in) and Settings.DockerBuildArgs. Shared machinery:
// format_lines.go (line-preserving keyed edits), format_json.go (JSON
// splicing).

import (
	"errors"
	"fmt"
	"strings"
)

// Edit changes one file: it takes the file's old bytes (nil when the file
// does not exist) and returns its new bytes. Every Edit in this package is
// pure and idempotent, keeps every byte it does not own, and returns an error
// and no bytes on input it cannot understand. The type is an alias, so an
// Edit is assignable to any named type with the same signature.
type Edit = func(old []byte) ([]byte, error)

// Errors of the consumer formats, wrapped in a *[FormatError].
var (
	// ErrMalformed: the existing file cannot be read as the format says.
	ErrMalformed = errors.New("malformed file")
	// ErrUnsafeValue: a value holds a character the format cannot carry
	// safely. The error names the character class, never the value.
	ErrUnsafeValue = errors.New("value cannot be written safely")
	// ErrTooLarge: the existing file is larger than [MaxFileSize].
	ErrTooLarge = errors.New("file too large")
)

// MaxFileSize bounds the input of every edit in this package: configuration
// files are small, and a larger input is refused rather than read.
const MaxFileSize = 4 << 20

// FormatError reports a file a format cannot read, or a value it cannot
// write. It never holds a credential: Item names a key or an entry, and
// Detail describes a character class or quotes a bounded piece of a line's
// key, never a value.
type FormatError struct {
	Format string // the file format, e.g. "yum.conf"
	Line   int    // 1-based line of the problem; 0 when not about one line
	Column int    // 1-based column; 0 when unknown
	Item   string // the key or entry concerned; "" when none
	Detail string // what was wrong, e.g. "control character"
	Err    error  // ErrMalformed, ErrUnsafeValue or ErrTooLarge
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString(e.Format)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
	}
	if e.Item != "" {
		fmt.Fprintf(&b, ": %s", e.Item)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	return b.String()
}

func (e *FormatError) Unwrap() error { return e.Err }

// Warning is a loss or a risk a format constructor had to accept: an entry
// the format cannot express, or a credential written where others can read
// it. It never holds a credential.
type Warning struct {
	Format  string // the file format, e.g. "apt.conf"
	Item    string // the setting or no-proxy entry concerned; "" when the whole format
	Message string // what happens instead, and what to do
}

func (w Warning) String() string {
	if w.Item == "" {
		return w.Format + ": " + w.Message
	}
	return w.Format + ": " + w.Item + ": " + w.Message
}

// malformed returns a FormatError for a line of an existing file.
func malformed(format string, line int, detail string) error {
	return &FormatError{Format: format, Line: line, Detail: detail, Err: ErrMalformed}
}

// unsafeValue returns a FormatError for a value the format cannot hold.
func unsafeValue(format, item, class string) error {
	return &FormatError{Format: format, Item: item, Detail: class, Err: ErrUnsafeValue}
}

// checkInput refuses input that is too large or not text: a NUL byte or a
// control character other than tab, newline, carriage return, vertical tab
// and form feed. It reports the line of the first offending byte.
func checkInput(format string, b []byte) error {
	if len(b) > MaxFileSize {
		return &FormatError{Format: format, Detail: fmt.Sprintf("%d bytes, at most %d", len(b), MaxFileSize), Err: ErrTooLarge}
	}
	line, col := 1, 0
	for i, c := range b {
		col++
		switch {
		case c == '\n':
			line, col = line+1, 0
		case c == '\t', c == '\r', c == '\v', c == '\f':
		case c < 0x20 || c == 0x7f:
			return &FormatError{Format: format, Line: line, Column: col,
				Detail: fmt.Sprintf("binary data (byte 0x%02x at offset %d)", c, i), Err: ErrMalformed}
		}
	}
	return nil
}

// boundedKey quotes the start of a line for an error message: up to the
// first '=' or ':' (so a value never appears), at most 32 bytes.
func boundedKey(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "=:"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 32 {
		s = s[:32] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// envVar is one proxy environment variable with its value, in the order
// formats write them.
type envVar struct {
	name   string // e.g. "http_proxy" or "HTTP_PROXY"
	value  string // "" when unset: the format removes it
	secret bool   // the value carries a credential
}

// envVars returns the proxy variables of s in both cases, lower case first,
// in the order http, https, ftp, no_proxy. ftp_proxy is included only when
// set (a file's ftp_proxy lines are left alone otherwise); unset http, https
// and no_proxy variables have an empty value.
func (s Settings) envVars() []envVar {
	var vs []envVar
	add := func(name, value string, secret bool) {
		vs = append(vs, envVar{name, value, secret}, envVar{strings.ToUpper(name), value, secret})
	}
	for _, p := range []struct {
		name string
		p    *Proxy
	}{{"http_proxy", s.HTTPProxy}, {"https_proxy", s.HTTPSProxy}, {"ftp_proxy", s.FTPProxy}} {
		switch {
		case p.p != nil:
			add(p.name, p.p.RevealURL(), p.p.HasCredentials())
		case p.name != "ftp_proxy":
			add(p.name, "", false)
		}
	}
	add("no_proxy", s.NoProxy.String(), false)
	return vs
}

// charClass names the class of the first byte of v for which bad returns
// true, for an error that must not quote v.
func charClass(v string, bad func(c byte) bool) (class string, found bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !bad(c) {
			continue
		}
		switch {
		case c == '\n' || c == '\r':
			return "line break", true
		case c < 0x20 || c == 0x7f:
			return "control character", true
		case c >= 0x80:
			return "non-ASCII byte", true
		case c == ' ' || c == '\t':
			return "blank", true
		case c == '#':
			return "comment character '#'", true
		case c == '"' || c == '\'' || c == '`':
			return "quote character", true
		case c == '\\':
			return "backslash", true
		case c == '$':
			return "dollar sign", true
		default:
			return fmt.Sprintf("character %q", c), true
		}
	}
	return "", false
}
