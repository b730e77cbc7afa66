package proxyenv

import (
	"fmt"
	"github.com/proxykit/proxykit/internal/redact"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// Proxy is a proxy server as people write it in http_proxy and its kin:
//
//	proxy.corp:3128                    scheme http, port 3128
//	http://proxy.corp:3128/            trailing slash allowed
//	https://proxy.corp                 no port: every rendering uses 443
//	socks5://[fd00::1]:1080            IPv6 literal in brackets
//	http://svc%40corp:p%25ss@proxy:80  percent-encoded credentials
//	http://svc@corp:p@ss w/rd@proxy:80 raw credentials (split at the last @)
//
// A Proxy is a value: copy it freely. The password is a [Secret] and never
// appears in String, %v, errors or logs.
type Proxy struct {
	Scheme   string // "http", "https", "socks4", "socks4a", "socks5" or "socks5h"; "http" when the value had none
	Host     string // name (lower case) or IP address; IPv6 without brackets
	Port     string // decimal port as given; "" when the value had none (see [Proxy.EffectivePort])
	Username string // decoded user name; "" when none
	Password Secret // decoded password
}

// defaultPorts are the ports Go's net/http uses when a proxy URL has none.
// curl uses 1080 for every scheme instead; renderings always carry a port so
// that the two cannot disagree.
var defaultPorts = map[string]string{
	"http":    "80",
	"https":   "443",
	"socks4":  "1080",
	"socks4a": "1080",
	"socks5":  "1080",
	"socks5h": "1080",
}

// ParseProxy parses a proxy value as written in http_proxy, a config file or
// a flag. A value without "://" is taken as http. Credentials may be raw or
// percent-encoded: a user or password in which every "%" starts a valid
// escape (%XX) is decoded, any other is taken as it is.
func ParseProxy(s string) (Proxy, error) {
	s = strings.TrimSpace(s)
	fail := func(err error) (Proxy, error) {
		return Proxy{}, &ProxyError{Value: redactValue(s), Err: err}
	}
	if s == "" {
		return fail(ErrEmptyProxy)
	}
	var p Proxy
	rest := s
	if scheme, after, ok := strings.Cut(s, "://"); ok && !strings.ContainsAny(scheme, "@/:") {
		p.Scheme = strings.ToLower(scheme)
		rest = after
	} else {
		p.Scheme = "http"
	}
	if _, ok := defaultPorts[p.Scheme]; !ok {
		return fail(fmt.Errorf("%w %q", ErrScheme, quote.Bounded(p.Scheme)))
	}
	hostport := rest
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		userinfo := rest[:i]
		hostport = rest[i+1:]
		user, pass, _ := strings.Cut(userinfo, ":")
		if strings.ContainsAny(userinfo, "\r\n\x00") {
			return fail(ErrCredentials)
		}
		p.Username = decodeCredential(user)
		p.Password = NewSecret(decodeCredential(pass))
	}
	hostport = strings.TrimSuffix(hostport, "/")
	if strings.ContainsAny(hostport, "/?#") {
		return fail(ErrProxyPath)
	}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return fail(err)
	}
	p.Host, p.Port = host, port
	return p, nil
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port".
func splitHostPort(hp string) (host, port string, err error) {
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", "", fmt.Errorf("%w: missing ]", ErrProxyHost)
		}
		host = hp[1:end]
		rest := hp[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", "", fmt.Errorf("%w: %q after ]", ErrProxyHost, quote.Bounded(rest))
			}
			port = rest[1:]
			if port == "" {
				return "", "", fmt.Errorf("%w: empty", ErrProxyPort)
			}
		}
		addr, perr := netip.ParseAddr(host)
		if perr != nil || !addr.Is6() || addr.Zone() != "" {
			return "", "", fmt.Errorf("%w: %q is not an IPv6 address", ErrProxyHost, quote.Bounded(host))
		}
		host = addr.String()
	} else {
		host = hp
		if i := strings.LastIndexByte(hp, ':'); i >= 0 {
			host, port = hp[:i], hp[i+1:]
			if port == "" {
				return "", "", fmt.Errorf("%w: empty", ErrProxyPort)
			}
		}
		if !validHostName(host) {
			return "", "", fmt.Errorf("%w: %q", ErrProxyHost, quote.Bounded(host))
		}
		host = strings.ToLower(host)
	}
	if port != "" {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '-' {
			return "", "", fmt.Errorf("%w: %q", ErrProxyPort, quote.Bounded(port))
		}
		port = strconv.Itoa(n)
	}
	return host, port, nil
}

// validHostName accepts DNS names (letters, digits, '-', '_', '.') and IPv4
// addresses.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}

// decodeCredential percent-decodes s when every "%" in it starts a valid
// escape, and returns s unchanged otherwise.
func decodeCredential(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	d, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return d
}

// EffectivePort returns the port as given, or the scheme's default (80 for
// http, 443 for https, 1080 for socks) when the value had none.
func (p Proxy) EffectivePort() string {
	if p.Port != "" {
		return p.Port
	}
	return defaultPorts[p.Scheme]
}

// HostPort returns "host:port" with the effective port and IPv6 in brackets.
func (p Proxy) HostPort() string { return net.JoinHostPort(p.Host, p.EffectivePort()) }

// HasCredentials reports whether the proxy carries a user name or password.
func (p Proxy) HasCredentials() bool { return p.Username != "" || !p.Password.IsZero() }

// URL returns the proxy as a URL with an explicit port and the credentials
// percent-encoded, password included. It is for writing into the file that
// needs it, never for display: use [Proxy.String] for that.
func (p Proxy) URL() *url.URL {
	u := &url.URL{Scheme: p.Scheme, Host: p.HostPort()}
	switch {
	case !p.Password.IsZero():
		u.User = url.UserPassword(p.Username, p.Password.Reveal())
	case p.Username != "":
		u.User = url.User(p.Username)
	}
	return u
}

// RevealURL returns the proxy URL with an explicit port and the
// credentials, password included, encoded by [EscapeUserinfo]. It is the form
// every consumer format of this package writes: every proxy client decodes
// it, and no format needs to quote it further. It is for writing into the
// file that needs it, never for display: use [Proxy.String] for that.
func (p Proxy) RevealURL() string { return p.render(true) }

// String returns the proxy URL as [Proxy.RevealURL] does, with the password
// replaced by [Redacted].
func (p Proxy) String() string {
	if p.Host == "" {
		return ""
	}
	return p.render(false)
}

// render writes scheme://user:password@host:port with user and password
// escaped by EscapeUserinfo, the password only when reveal is set.
func (p Proxy) render(reveal bool) string {
	var b strings.Builder
	b.WriteString(p.Scheme)
	b.WriteString("://")
	if p.HasCredentials() {
		b.WriteString(EscapeUserinfo(p.Username))
		if !p.Password.IsZero() {
			b.WriteByte(':')
			if reveal {
				b.WriteString(EscapeUserinfo(p.Password.Reveal()))
			} else {
				b.WriteString(Redacted)
			}
		}
		b.WriteByte('@')
	}
	b.WriteString(p.HostPort())
	return b.String()
}

// EscapeUserinfo percent-encodes every byte of s except RFC 3986's
// unreserved characters (A-Z a-z 0-9 - . _ ~). It is how proxykit writes a
// user name or password inside a proxy URL: curl, Go, Python, apt and wget
// all decode it, and what is left needs no quoting in a shell, JSON, YAML,
// an ini file, pam_env or systemd (no '%' specifier, no '$').
func EscapeUserinfo(s string) string { return redact.PercentEncode(s) }

// WithoutCredentials returns p with the user name and password removed.
func (p Proxy) WithoutCredentials() Proxy {
	p.Username, p.Password = "", Secret{}
	return p
}

// redactValue hides everything before the last "@" of the authority of a
// proxy value that could not be parsed, so the value can be quoted in an error.
func redactValue(s string) string {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return quote.Bounded(s)
	}
	prefix := ""
	if scheme, _, ok := strings.Cut(s[:i], "://"); ok && !strings.ContainsAny(scheme, "@/:") {
		prefix = scheme + "://"
	}
	return quote.Bounded(prefix + Redacted + s[i:])
}
