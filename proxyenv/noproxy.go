package proxyenv

// CONTRACT STUB: the types and signatures below are the API other packages
// build on. The implementation is being written; see the proxyenv issue.

import (
	"net/url"
	"strings"
)

// Client is an HTTP client implementation whose no-proxy rules differ from
// the others'.
type Client int

// The clients whose no-proxy rules [NoProxy.Bypass] implements.
const (
	Go     Client = iota // golang.org/x/net/http/httpproxy (every Go daemon)
	Curl                 // curl 8.18+ (libcurl)
	Java                 // java.net.DefaultProxySelector with http.nonProxyHosts
	Python               // urllib (and requests, which uses it)
)

// NoProxy is a parsed no-proxy list. It is immutable.
type NoProxy struct {
	entries []string
}

// ParseNoProxy parses the comma form of no_proxy. It never fails.
func ParseNoProxy(s string) NoProxy {
	var l NoProxy
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			l.entries = append(l.entries, e)
		}
	}
	return l
}

// String returns the canonical comma form.
func (l NoProxy) String() string { return strings.Join(l.entries, ",") }

// IsEmpty reports whether the list has no entries.
func (l NoProxy) IsEmpty() bool { return len(l.entries) == 0 }

// Bypass reports whether client c sends a request for u directly instead of
// through the proxy.
func (l NoProxy) Bypass(c Client, u *url.URL) bool { panic("not implemented") }

// Loss is a no-proxy entry that a conversion could not carry over exactly.
type Loss struct {
	Entry   string // the entry as written
	Message string // what happens instead, and what to do
}

func (l Loss) String() string { return l.Entry + ": " + l.Message }

// Java returns the http.nonProxyHosts value that makes Java decide as Go
// does wherever Java can, and the entries it could not carry over exactly.
func (l NoProxy) Java() (list string, losses []Loss) {
	return strings.Join(append(append([]string(nil), l.entries...), "localhost", "127.*", "[::1]", "0.0.0.0", "[::0]"), "|"), nil
}
