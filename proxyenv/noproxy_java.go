package proxyenv

import (
	"net/url"
	"strings"
)

// JavaDefaults is what Java's DefaultProxySelector appends to any non-empty
// http.nonProxyHosts, and uses alone when the property is unset. An empty
// property disables them: Java then proxies even localhost.
const JavaDefaults = "localhost|127.*|[::1]|0.0.0.0|[::0]"

// javaPattern is one disjunct of a compiled http.nonProxyHosts.
type javaPattern struct {
	prefix, suffix bool // "*" at the end / at the start
	text           string
}

// javaList is an http.nonProxyHosts value compiled as DefaultProxySelector
// compiles it: split at "|", empty disjuncts skipped, lower-cased, "*" at the
// start or end of a disjunct a wildcard, everything else literal.
type javaList []javaPattern

// compileJava compiles the property value v with Java's defaults appended;
// an empty value matches nothing.
func compileJava(v string) javaList {
	if v == "" {
		return nil
	}
	v += "|" + JavaDefaults
	var l javaList
	for _, d := range strings.Split(v, "|") {
		if d == "" {
			continue
		}
		d = strings.ToLower(d)
		var p javaPattern
		if d == "*" {
			p.prefix, p.suffix, d = true, true, ""
		} else {
			if strings.HasPrefix(d, "*") {
				p.suffix, d = true, d[1:]
			}
			if strings.HasSuffix(d, "*") {
				p.prefix, d = true, d[:len(d)-1]
			}
		}
		p.text = d
		l = append(l, p)
	}
	return l
}

func (p javaPattern) match(host string) bool {
	switch {
	case p.prefix && p.suffix:
		return strings.Contains(host, p.text)
	case p.prefix:
		return strings.HasPrefix(host, p.text)
	case p.suffix:
		return strings.HasSuffix(host, p.text)
	}
	return host == p.text
}

// bypass reports whether Java reaches u directly. Java matches on
// java.net.URI's host, lower-cased: IPv6 in brackets, no port, no userinfo.
func (l javaList) bypass(u *url.URL) bool {
	host := strings.ToLower(hostWithBrackets(u))
	if host == "" {
		return false
	}
	for _, p := range l {
		if p.match(host) {
			return true
		}
	}
	return false
}
