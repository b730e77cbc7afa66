package proxyenv

// What the consumer formats share: the [Edit] type, the input checks and
// the proxy variables in the order formats write them. The formats
// themselves are listed in the package documentation (doc.go).

import (
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/internal/edit"
	"github.com/proxykit/proxykit/internal/quote"
)

// Edit changes one file: it takes the file's old bytes (nil when the file
// does not exist) and returns its new bytes. Every Edit in this package is
// pure and idempotent, keeps every byte it does not own, and returns an error
// and no bytes on input it cannot understand. It is the module's one edit
// type, an alias of func(old []byte) ([]byte, error): [truststore.Edit] and
// [jvmflags.Edit] are the same type, and so is any func with that signature.
//
// [truststore.Edit]: https://pkg.go.dev/github.com/proxykit/proxykit/truststore#Edit
// [jvmflags.Edit]: https://pkg.go.dev/github.com/proxykit/proxykit/jvmflags#Edit
type Edit = edit.Edit

// MaxFileSize bounds the input of every edit in this package: configuration
// files are small, and a larger input is refused rather than read.
const MaxFileSize = 4 << 20

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
// first '=' or ':' (so a value never appears), bounded by [quote.Bounded].
func boundedKey(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "=:"); i >= 0 {
		s = s[:i]
	}
	return fmt.Sprintf("%q", quote.Bounded(s))
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
