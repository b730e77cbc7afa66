package systemdunit

import (
	"errors"
	"fmt"
	"strconv"
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
)

// maxQuote bounds how much of the input an error quotes.
const maxQuote = 40

// ParseError says where in which file a problem was found, and quotes a
// bounded piece of what was seen there.
type ParseError struct {
	File string // file name as given to the parser, or "" for none
	Line int    // line number as systemd counts it (1-based), 0 if unknown
	Text string // a bounded quote of the offending text
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
		return fmt.Sprintf("%s: %v: %s", where, e.Err, quote(e.Text))
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// quote returns a Go-quoted, length-bounded rendering of s for messages.
func quote(s string) string {
	if len(s) > maxQuote {
		// Cut on a rune boundary where possible.
		cut := maxQuote
		for cut > maxQuote-4 && cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
