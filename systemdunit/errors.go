package systemdunit

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/internal/secret"
)

// Errors that callers branch on. Errors returned by this package wrap one of
// them, usually inside a [*ParseError] that says where.
var (
	// ErrSyntax reports a file that systemd refuses to load as a whole: an
	// invalid section header, a line that is not UTF-8, a line that is too long.
	ErrSyntax = errors.New("syntax error")
	// ErrValue reports a value that systemd ignores or refuses: unbalanced
	// quotes, an unknown escape, an unknown specifier, an invalid command.
	ErrValue = errors.New("invalid value")
	// ErrBadSetting reports a setting that makes systemd refuse to load the
	// unit ("bad unit file setting"), such as an ExecStart= that cannot be
	// parsed or a second ExecStart= without a reset in a simple service.
	ErrBadSetting = errors.New("bad unit file setting")
	// ErrUnwritable reports a value the writer refuses because no systemd
	// since 219 would read it back as given: a NUL byte, invalid UTF-8 in an
	// environment value, a word longer than a physical line.
	ErrUnwritable = errors.New("value cannot be written")
	// ErrUnitName reports an invalid unit or drop-in name.
	ErrUnitName = errors.New("invalid unit name")
	// ErrMasked reports a unit whose file is empty or a symbolic link to
	// /dev/null: systemd will not start it.
	ErrMasked = errors.New("unit is masked")
	// ErrNotFound reports a unit with no unit file in any of [UnitDirs].
	ErrNotFound = errors.New("unit not found")
)

// ParseError says where in which file a problem was found, and quotes a
// bounded piece of what was seen there.
type ParseError struct {
	File string // file name as given to the parser, or "" for none
	Line int    // line number as systemd counts it (1-based), 0 if unknown
	Text string // a bounded excerpt of the offending text, credentials masked
	Err  error  // what is wrong; wraps one of the package's sentinel errors
}

func (e *ParseError) Error() string {
	where := e.File
	if where == "" {
		where = "unit"
	}
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	if e.Text != "" {
		t, cut := strings.CutSuffix(e.Text, "…")
		q := quoted(t)
		if cut && !strings.HasSuffix(q, "…") {
			q += "…"
		}
		return fmt.Sprintf("%s: %v: %s", where, e.Err, q)
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Patterns of credentials that messages mask: the password of a URL's user
// information, and the value of a setting whose name says it is secret.
var (
	urlPassword   = regexp.MustCompile(`(://[^/@\s:"']*:)[^/@\s]*@`)
	namedPassword = regexp.MustCompile(`(?i)((?:password|passwd|secret|token|credential)[a-z0-9_.-]*=)[^\s"']*`)
)

// redact masks credentials in s.
func redact(s string) string {
	s = urlPassword.ReplaceAllString(s, "${1}"+secret.Redacted+"@")
	return namedPassword.ReplaceAllString(s, "${1}"+secret.Redacted)
}

// excerpt returns the start of s, bounded by [quote.Bounded], with
// credentials masked.
func excerpt(s string) string { return quote.Bounded(redact(s)) }

// quoted returns a Go-quoted, length-bounded rendering of s for messages,
// with credentials masked.
func quoted(s string) string {
	x := excerpt(s)
	if t, cut := strings.CutSuffix(x, "…"); cut && len(x) < len(s) {
		return strconv.Quote(t) + "…"
	}
	return strconv.Quote(x)
}
