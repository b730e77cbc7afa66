package proxyenv

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/http/httpproxy"
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

// Clients lists every [Client] in a fixed order, for tables and loops.
var Clients = []Client{Go, Curl, Java, Python}

func (c Client) String() string {
	switch c {
	case Go:
		return "go"
	case Curl:
		return "curl"
	case Java:
		return "java"
	case Python:
		return "python"
	}
	return "client(" + strconv.Itoa(int(c)) + ")"
}

// Kind is the shape of a no-proxy entry.
type Kind uint8

// The shapes of no-proxy entries. The examples show the entry as written;
// any of the name and address shapes may carry a port ("host:port",
// "[v6]:port"), see [Entry].
const (
	KindInvalid    Kind = iota // no client matches it as meant: "10.1.2", "a b", "foo*.com", ":80", "."
	KindAll                    // "*": every host (Go, curl and Python only when it is the whole list)
	KindDomain                 // "example.com", "localhost": the name and its subdomains (Java: the name only)
	KindSubdomains             // ".example.com": subdomains for Go; curl and Python also match the name itself
	KindWildcard               // "*.example.com": subdomains for Go and Java; nothing for curl and Python
	KindIP                     // "10.1.2.3", "fd00::1", "[fd00::1]:8080": one address
	KindCIDR                   // "10.0.0.0/8", "fd00::/8": an address range (Go and curl)
	KindPattern                // "10.*", "*corp*", "*example.com": a Java wildcard that only Java matches
)

var kindNames = [...]string{"invalid", "all", "domain", "subdomains", "wildcard", "ip", "cidr", "pattern"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Entry is one element of a [NoProxy] list.
type Entry struct {
	Text   string       // the entry as written, trimmed (comma form only) and lower-cased
	Kind   Kind         // its shape
	Host   string       // KindDomain, KindSubdomains, KindWildcard: the name without "." or "*." and without port
	Addr   netip.Addr   // KindIP: the address (IPv6 unbracketed, no zone)
	Prefix netip.Prefix // KindCIDR: the range, masked
	Port   string       // "" or the decimal port of a "host:port" entry
	Reason string       // KindInvalid: why no client matches it
}

func (e Entry) String() string { return e.Text }

// NoProxy is a parsed no-proxy list: what no_proxy holds (see [ParseNoProxy])
// or what Java's http.nonProxyHosts holds (see [ParseJavaNonProxyHosts]).
// Every entry is kept, including those no client can match; [NoProxy.Entries]
// tells which are which.
//
// A NoProxy is immutable and compiled once when parsed, so [NoProxy.Bypass] is
// cheap and safe for concurrent use. The zero value is the empty list.
type NoProxy struct {
	entries []Entry
	c       *compiled // nil for the zero value
}

// compiled is a list as each client reads it, built once by compile.
type compiled struct {
	comma     string // the no_proxy value as given (Go, curl and Python read it)
	java      string // the http.nonProxyHosts value as given (Java reads it)
	goProxy   func(*url.URL) (*url.URL, error)
	curl      curlList
	python    pythonList
	javaRules javaList
}

// ParseNoProxy parses the comma form of no_proxy as clients read it: entries
// are separated by commas, surrounding white space is ignored, empty entries
// are skipped. It never fails: an entry that no client can match is kept as a
// [KindInvalid] entry with its reason.
func ParseNoProxy(s string) NoProxy {
	var entries []Entry
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			entries = append(entries, classify(strings.ToLower(f)))
		}
	}
	return compile(entries, s, strings.ReplaceAll(s, ",", "|"))
}

// ParseJavaNonProxyHosts parses the value of Java's http.nonProxyHosts (or
// ftp.nonProxyHosts, socksNonProxyHosts): entries separated by "|", each kept
// exactly as written (Java does not trim), empty entries skipped. It never
// fails.
//
// The list it returns holds the entries as Java reads them; Java's built-in
// defaults (localhost|127.*|[::1]|0.0.0.0|[::0]) are not added as entries.
// The other clients see its comma form, [NoProxy.String].
func ParseJavaNonProxyHosts(s string) NoProxy {
	var entries []Entry
	for _, f := range strings.Split(s, "|") {
		if f != "" {
			entries = append(entries, classify(strings.ToLower(f)))
		}
	}
	return compile(entries, "", s)
}

// compile builds a list from its entries and the text each client reads:
// comma, the no_proxy value Go, curl and Python see ("" for the canonical
// form), and java, the http.nonProxyHosts value Java sees.
func compile(entries []Entry, comma, java string) NoProxy {
	l := NoProxy{entries: entries}
	if comma == "" {
		comma = l.String()
	}
	l.c = &compiled{
		comma:     comma,
		java:      java,
		goProxy:   compileGo(comma),
		curl:      compileCurl(comma, curl818),
		python:    compilePython(comma),
		javaRules: compileJava(java),
	}
	return l
}

// sentinelProxy is the proxy URL handed to httpproxy: only whether it is
// returned matters.
const sentinelProxy = "http://proxy.invalid:3128"

func compileGo(noProxy string) func(*url.URL) (*url.URL, error) {
	cfg := httpproxy.Config{HTTPProxy: sentinelProxy, HTTPSProxy: sentinelProxy, NoProxy: noProxy}
	return cfg.ProxyFunc()
}

// emptyList is the zero NoProxy's compiled form.
var emptyList = sync.OnceValue(func() *compiled { return compile(nil, "", "").c })

// String returns the canonical comma form: the entries' Text (trimmed for a
// list read from the comma form, lower case) joined by ",". [ParseNoProxy]
// reads it back to the same entries. Compare lists by String: a NoProxy
// holds compiled matchers, so == and reflect.DeepEqual do not apply.
// Clients decide the same on it as on the value it was parsed from, except
// where that value hid "*" in white space (" *" is a name to curl and
// Python, the wildcard in String).
func (l NoProxy) String() string {
	switch len(l.entries) {
	case 0:
		return ""
	case 1:
		return l.entries[0].Text
	}
	var b strings.Builder
	for i, e := range l.entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(e.Text)
	}
	return b.String()
}

// NonProxyHosts returns the list in Java's "|" form as written: the value
// given to [ParseJavaNonProxyHosts], or the hand translation of the value
// given to [ParseNoProxy] (every "," replaced by "|", nothing trimmed). It is
// what [NoProxy.Bypass] evaluates for [Java]. It is not a faithful
// translation: use [NoProxy.Java] for that.
func (l NoProxy) NonProxyHosts() string {
	if l.c == nil {
		return ""
	}
	return l.c.java
}

// IsEmpty reports whether the list has no entries.
func (l NoProxy) IsEmpty() bool { return len(l.entries) == 0 }

// Len returns the number of entries.
func (l NoProxy) Len() int { return len(l.entries) }

// Entries returns a copy of the entries, in order.
func (l NoProxy) Entries() []Entry { return append([]Entry(nil), l.entries...) }

// Invalid returns the entries that no client can match.
func (l NoProxy) Invalid() []Entry {
	var out []Entry
	for _, e := range l.entries {
		if e.Kind == KindInvalid {
			out = append(out, e)
		}
	}
	return out
}

// Contains reports whether the list holds an entry written as text
// (compared in lower case, with or without surrounding white space).
func (l NoProxy) Contains(text string) bool {
	text = strings.ToLower(text)
	trimmed := strings.TrimSpace(text)
	for _, e := range l.entries {
		if e.Text == text || e.Text == trimmed {
			return true
		}
	}
	return false
}

// Merge returns the entries of l followed by those of other that l does not
// already hold, without duplicates, as a canonical list (its clients read
// [NoProxy.String] and its "|" form). Neither list changes.
func (l NoProxy) Merge(other NoProxy) NoProxy {
	seen := make(map[string]bool, len(l.entries)+len(other.entries))
	var entries []Entry
	for _, list := range [][]Entry{l.entries, other.entries} {
		for _, e := range list {
			if !seen[e.Text] {
				seen[e.Text] = true
				entries = append(entries, e)
			}
		}
	}
	texts := make([]string, len(entries))
	for i, e := range entries {
		texts[i] = e.Text
	}
	return compile(entries, "", strings.Join(texts, "|"))
}

// Bypass reports whether client c sends a request for u directly instead of
// through the proxy, given this list as its no-proxy setting. Go, curl and
// Python read the no_proxy value as it was given to [ParseNoProxy] (or
// [NoProxy.String] for other lists), Java [NoProxy.NonProxyHosts]:
//
//   - [Go]: exactly golang.org/x/net/http/httpproxy's decision (for http and
//     https URLs; Go proxies no other scheme). A name matches itself and its
//     subdomains, ".x" and "*.x" subdomains only, "*" anywhere matches all;
//     addresses and CIDR ranges compare numerically with address literals
//     only; a port must equal the URL's (default ports included); localhost
//     and loopback addresses are never proxied.
//   - [Curl]: curl 8.18 and later: "*" only as the whole value; one leading
//     and one trailing dot ignored, so ".x" matches x too; entries with a port
//     never match; IPv4 and IPv6 addresses and CIDR compared numerically with
//     address literals; a blank after a name ends the list unless a comma
//     follows; no loopback special case. The host is taken as curl's URL
//     parser leaves it: IPv4 shorthands such as 10.1 normalized,
//     internationalized names in their xn-- form (so a Unicode entry never
//     matches). See the package documentation for older curl.
//   - [Java]: java.net.DefaultProxySelector with http.nonProxyHosts set to
//     [NoProxy.NonProxyHosts]: exact names, "*" only at the start or end of
//     an entry, no CIDR, no ports, no trimming, IPv6 compared with brackets as
//     text, and localhost|127.*|[::1]|0.0.0.0|[::0] appended to any non-empty
//     value ([JavaDefaults]); an empty value bypasses nothing, not even
//     localhost.
//   - [Python]: urllib's proxy_bypass_environment: "*" only as the whole
//     value; otherwise, after stripping leading dots, the host equals the
//     entry or ends with "." + entry, compared as text on the URL's
//     authority, so a port matches only when the URL spells the same port and
//     userinfo in the URL defeats an exact match.
//
// A nil URL, or one without a host, is never bypassed except by Go's "*".
func (l NoProxy) Bypass(c Client, u *url.URL) bool {
	if u == nil {
		return false
	}
	if l.c == nil {
		l.c = emptyList()
	}
	switch c {
	case Go:
		p, err := l.c.goProxy(u)
		return p == nil && err == nil
	case Curl:
		return l.c.curl.bypass(curlHostName(u))
	case Java:
		return l.c.javaRules.bypass(u)
	case Python:
		return l.c.python.bypass(u)
	}
	return false
}

// classify types one lower-case entry.
func classify(text string) Entry {
	e := Entry{Text: text}
	invalid := func(reason string) Entry {
		return Entry{Text: text, Kind: KindInvalid, Reason: reason}
	}
	if text == "*" {
		e.Kind = KindAll
		return e
	}
	if strings.ContainsFunc(text, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return invalid("contains white space or a control character")
	}
	if strings.ContainsAny(text, ",|") {
		return invalid("contains a list separator")
	}
	if p, err := netip.ParsePrefix(text); err == nil && !strings.Contains(text, "%") {
		e.Kind, e.Prefix = KindCIDR, p.Masked()
		return e
	}
	if strings.Contains(text, "/") {
		return invalid("not an address range (CIDR) nor a name")
	}
	host := text
	if h, port, ok := splitEntryPort(text); ok {
		// An empty port is no port (Go reads "x:" as x); Go compares ports
		// as text, so 080 never equals a URL's 80.
		if port != "" && (!allDigits(port) || len(port) > 5 || port[0] == '0') {
			return invalid("invalid port: write it in decimal without leading zeros")
		}
		if n, _ := strconv.Atoi(port); n > 65535 {
			return invalid("invalid port: more than 65535")
		}
		host, e.Port = h, port
		if host == "" {
			return invalid("no host before the port")
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return invalid("not an IPv6 address in brackets")
		}
		e.Kind, e.Addr = KindIP, a
		return e
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return invalid("IPv6 zone")
		}
		e.Kind, e.Addr = KindIP, a
		return e
	}
	if strings.ContainsAny(host, "[]@?#\\") || strings.Count(host, ":") > 0 {
		return invalid("not a host name, address or range")
	}
	if looksLikeIPv4Prefix(host) {
		return invalid("IPv4 prefix: no client matches addresses by their beginning; write a CIDR range such as 10.1.2.0/24")
	}
	switch {
	case strings.HasPrefix(host, "*.") && !strings.Contains(host[2:], "*"):
		if host[2:] == "" {
			return invalid("wildcard without a domain")
		}
		e.Kind, e.Host = KindWildcard, host[2:]
	case strings.Contains(host, "*"):
		if e.Port == "" && !strings.Contains(strings.Trim(host, "*"), "*") {
			e.Kind = KindPattern
			return e
		}
		return invalid("misplaced wildcard: only \"*\" and \"*.domain\" are understood")
	case strings.HasPrefix(host, "."):
		if strings.TrimLeft(host, ".") == "" {
			return invalid("not a domain (Go and Python read it as every name written with a trailing dot)")
		}
		e.Kind, e.Host = KindSubdomains, host[1:]
	default:
		e.Kind, e.Host = KindDomain, host
	}
	return e
}

// splitEntryPort splits "host:port" or "[v6]:port"; ok is false when the
// entry has no port part. A bare IPv6 address has no port.
func splitEntryPort(s string) (host, port string, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 || end == len(s)-1 || s[end+1] != ':' {
			return "", "", false
		}
		return s[:end+1], s[end+2:], true
	}
	if strings.Count(s, ":") != 1 {
		return "", "", false
	}
	h, p, _ := strings.Cut(s, ":")
	return h, p, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// looksLikeIPv4Prefix reports "10.1", "10.1.2" and "10." forms: one to
// three dotted decimal octets, the single one with a trailing dot.
func looksLikeIPv4Prefix(s string) bool {
	trimmed := strings.TrimSuffix(s, ".")
	parts := strings.Split(trimmed, ".")
	if len(parts) > 3 || len(parts) == 1 && trimmed == s {
		return false
	}
	for _, p := range parts {
		if !allDigits(p) || len(p) > 3 {
			return false
		}
		if n, _ := strconv.Atoi(p); n > 255 {
			return false
		}
	}
	return true
}

// hostWithBrackets returns u's host without port, keeping IPv6 brackets.
func hostWithBrackets(u *url.URL) string {
	h := u.Host
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			return h[:i+1]
		}
		return h
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		return h[:i]
	}
	return h
}
