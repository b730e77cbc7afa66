package proxyenv

import (
	"net/url"
	"strings"
)

// pythonList is a no-proxy list compiled for urllib's
// proxy_bypass_environment.
type pythonList struct {
	set   bool     // no_proxy is set and not empty
	all   bool     // the whole value is "*"
	names []string // entries, stripped, leading dots removed, lower case
}

func compilePython(s string) pythonList {
	p := pythonList{set: s != "", all: s == "*"}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		p.names = append(p.names, strings.ToLower(strings.TrimLeft(name, ".")))
	}
	return p
}

// bypass reports whether urllib reaches u directly. urllib matches on the
// Request's host: the URL's authority (userinfo and port included), percent
// decoded and lower-cased.
func (p pythonList) bypass(u *url.URL) bool {
	host := u.Host
	if u.User != nil {
		host = u.User.String() + "@" + host
	}
	host = strings.ToLower(pyUnquote(host))
	if host == "" || !p.set {
		return false
	}
	if p.all {
		return true
	}
	hostonly := pySplitPort(host)
	for _, name := range p.names {
		if hostonly == name || host == name {
			return true
		}
		if pyHasDotSuffix(hostonly, name) || pyHasDotSuffix(host, name) {
			return true
		}
	}
	return false
}

// pyHasDotSuffix is s.endswith("." + name).
func pyHasDotSuffix(s, name string) bool {
	return len(s) > len(name) && s[len(s)-len(name)-1] == '.' && strings.HasSuffix(s, name)
}

// pySplitPort returns the host part of urllib's _splitport: the text before
// the last ":" when only digits (or nothing) follow it.
func pySplitPort(host string) string {
	i := strings.LastIndexByte(host, ':')
	if i < 0 {
		return host
	}
	for j := i + 1; j < len(host); j++ {
		if host[j] < '0' || host[j] > '9' {
			return host
		}
	}
	return host[:i]
}

// pyUnquote decodes %XX escapes, leaving malformed ones as they are.
func pyUnquote(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
