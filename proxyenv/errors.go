package proxyenv

import (
	"errors"
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// Errors that callers branch on with [errors.Is]. Errors returned by this
// package wrap one of them, inside a *[ProxyError] or a *[FormatError] that
// says where.
var (
	// ErrEmptyProxy: [ParseProxy] was given an empty value.
	ErrEmptyProxy = errors.New("empty proxy value")
	// ErrScheme: the proxy's scheme is none of http, https, socks4, socks4a,
	// socks5 and socks5h.
	ErrScheme = errors.New("unsupported proxy scheme")
	// ErrProxyHost: the proxy's host is empty or not a valid name or address.
	ErrProxyHost = errors.New("invalid proxy host")
	// ErrProxyPort: the proxy's port is empty or not a number from 1 to
	// 65535.
	ErrProxyPort = errors.New("invalid proxy port")
	// ErrProxyPath: the proxy value has a path, query or fragment.
	ErrProxyPath = errors.New("proxy URL has a path, query or fragment")
	// ErrCredentials: the proxy's user information cannot be read.
	ErrCredentials = errors.New("invalid proxy credentials")

	// ErrMalformed: the existing file cannot be read as the format says.
	ErrMalformed = errors.New("malformed file")
	// ErrUnsafeValue: a value holds a character the format cannot carry
	// safely. The error names the character class, never the value.
	ErrUnsafeValue = errors.New("value cannot be written safely")
	// ErrTooLarge: the existing file is larger than [MaxFileSize].
	ErrTooLarge = errors.New("file too large")
	// ErrNoService: a compose file has no service of the name asked for.
	ErrNoService = errors.New("no such service")

	// ErrServerMirror: an Anaconda Server mirror cannot be read or written
	// (see [ParseServerMirror]).
	ErrServerMirror = errors.New("invalid Anaconda Server mirror")

	// ErrNoUser: [FromValues] was given a password for a proxy URL that
	// names no user, so the password would have nothing to join.
	ErrNoUser = errors.New("a proxy password was given but the proxy URL has no user name (write it as http://USER@host:port)")
	// ErrNoProxyEntry: [FromValues] was given a no-proxy entry that no
	// client can match ("10.0.0.0/33", "[::1"): every file would carry it
	// for nothing. The *[EntryError] says which and why.
	ErrNoProxyEntry = errors.New("no client can match it")
	// ErrBypassAll: [FromValues] was given the no-proxy entry "*", which
	// turns the proxy off for every host, without [Values.BypassAll].
	ErrBypassAll = errors.New("sends every host direct, turning the proxy off for every client")
	// ErrUnknownUser: [DockerClients] was asked for a user the node's
	// /etc/passwd does not have.
	ErrUnknownUser = errors.New("no such user")
	// ErrMirror: a conda mirror cannot be keyed in proxy_servers
	// ([ParseCondaMirror], [Settings.CondarcWithMirrors]).
	ErrMirror = errors.New("invalid conda mirror")
)

// ProxyError reports a proxy value that could not be parsed. Value is the
// input with any credentials replaced by [Redacted], so the error can be shown.
type ProxyError struct {
	Value string // the input, redacted
	Err   error  // one of the Err… sentinels
}

func (e *ProxyError) Error() string {
	return fmt.Sprintf("proxy %q: %v", e.Value, e.Err)
}

func (e *ProxyError) Unwrap() error { return e.Err }

// A ValueError reports which of the [Values] could not be used. Err is a
// *[ProxyError] (the value redacted) or [ErrNoUser] for a proxy, and joins
// an *[EntryError] per entry refused for the no-proxy list.
type ValueError struct {
	Field string // "Proxy", "HTTPSProxy" or "NoProxy"
	Err   error
}

func (e *ValueError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *ValueError) Unwrap() error { return e.Err }

// An EntryError reports a no-proxy entry [FromValues] refuses. It wraps
// [ErrNoProxyEntry] or [ErrBypassAll].
type EntryError struct {
	Entry Entry
	Err   error
}

func (e *EntryError) Error() string {
	if e.Entry.Reason != "" {
		return fmt.Sprintf("no-proxy entry %q: %s; %v", quote.Bounded(e.Entry.Text), e.Entry.Reason, e.Err)
	}
	return fmt.Sprintf("no-proxy entry %q %v", quote.Bounded(e.Entry.Text), e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }

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
