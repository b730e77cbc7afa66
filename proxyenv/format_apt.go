package proxyenv

import "strings"

const formatApt = "apt.conf"

// AptConf returns the edit of a file in /etc/apt/apt.conf.d/: the lines
//
//	Acquire::http::Proxy "http://user:pass@proxy.corp:3128";
//	Acquire::https::Proxy "http://user:pass@proxy.corp:3128";
//	Acquire::http::Proxy::mirror.corp "DIRECT";
//	Acquire::https::Proxy::mirror.corp "DIRECT";
//
// with the credentials percent-encoded (apt decodes them). apt's https
// method falls back to the http settings, so an unset HTTPS proxy is written
// as "DIRECT". apt chooses a proxy by the exact host name of the request:
// no-proxy names and IPv4 addresses become DIRECT lines for that host, a
// name's subdomains keep using the proxy, and entries apt cannot express
// (.domain, *.domain, CIDR ranges, IPv6, host:port) are reported as warnings;
// "*" makes both proxies DIRECT.
//
// Every single-line statement setting Acquire::http::Proxy or
// Acquire::https::Proxy (with or without ::host) is owned: the first is
// replaced in place, the others removed. So are Proxy-Auto-Detect and
// ProxyAutoDetect, which apt would otherwise ask before the proxy written
// here, and are removed. Other lines and comments are kept. A proxy setting
// inside a { } block is refused rather than left to compete.
func (s Settings) AptConf() (Edit, []Warning, error) {
	var warns []Warning
	var direct []string
	all := false
	for _, e := range s.NoProxy.Entries() {
		host, why := aptHost(e)
		switch {
		case e.Kind == KindAll:
			all = true
		case host != "":
			direct = append(direct, host)
			if e.Kind == KindDomain {
				warns = append(warns, Warning{Format: formatApt, Item: e.Text, Message: "apt matches " + host + " exactly; requests to its subdomains still go through the proxy"})
			}
		default:
			warns = append(warns, Warning{Format: formatApt, Item: e.Text, Message: why})
		}
	}
	value := func(p *Proxy) (string, error) {
		if p == nil || all {
			return "DIRECT", nil
		}
		u := p.RevealURL()
		if class, bad := charClass(u, func(c byte) bool { return c < 0x20 || c == 0x7f || c == '"' }); bad {
			return "", unsafeValue(formatApt, "proxy", class)
		}
		return u, nil
	}
	var want []keyedLine
	if s.HTTPProxy != nil || s.HTTPSProxy != nil {
		for _, m := range []struct {
			name string
			p    *Proxy
		}{{"http", s.HTTPProxy}, {"https", s.HTTPSProxy}} {
			v, err := value(m.p)
			if err != nil {
				return nil, nil, err
			}
			name := "Acquire::" + m.name + "::Proxy"
			want = append(want, keyedLine{strings.ToLower(name), name + ` "` + v + `";`})
		}
		if !all {
			seen := make(map[string]bool)
			for _, h := range direct {
				if seen[h] {
					continue
				}
				seen[h] = true
				for _, m := range []string{"http", "https"} {
					name := "Acquire::" + m + "::Proxy::" + h
					want = append(want, keyedLine{strings.ToLower(name), name + ` "DIRECT";`})
				}
			}
		}
	}
	wanted := make(map[string]bool, len(want))
	for _, w := range want {
		wanted[w.key] = true
	}
	return func(old []byte) ([]byte, error) {
		if err := checkInput(formatApt, old); err != nil {
			return nil, err
		}
		ls := splitLines(old)
		var remove []string
		depth := 0 // braces open before the line
		for i := range ls {
			opens := depth > 0 || strings.Contains(ls[i].text, "{")
			depth += aptBraces(ls[i].text)
			if opens && strings.Contains(strings.ToLower(aptCode(ls[i].text)), "proxy") {
				return nil, malformed(formatApt, ls[i].num, "a proxy setting inside a { } block; write it as single Acquire::http::Proxy lines")
			}
			key, err := aptOwned(ls[i])
			if err != nil {
				return nil, err
			}
			ls[i].key = key
			if key != "" && !wanted[key] {
				remove = append(remove, key)
			}
			if depth < 0 {
				return nil, malformed(formatApt, ls[i].num, "'}' without '{'")
			}
		}
		if depth > 0 {
			return nil, malformed(formatApt, len(ls), "'{' not closed at end of file")
		}
		return joinLines(setKeyed(ls, want, remove, -1)), nil
	}, warns, nil
}

// aptHost returns the host name apt can match for a no-proxy entry, or why
// it cannot.
func aptHost(e Entry) (host, why string) {
	if e.Port != "" {
		return "", "apt chooses a proxy by host name only; the port is not expressible"
	}
	switch e.Kind {
	case KindAll:
		return "", ""
	case KindDomain:
		if validHostName(e.Host) {
			return strings.TrimSuffix(e.Host, "."), ""
		}
	case KindIP:
		if e.Addr.Is4() {
			return e.Addr.String(), ""
		}
		return "", "apt cannot name an IPv6 host in a configuration key"
	case KindSubdomains, KindWildcard:
		return "", "apt has no suffix match; add a line for each host name that must be reached directly"
	case KindCIDR:
		return "", "apt has no address ranges; add a line for each address that must be reached directly"
	case KindPattern:
		return "", "apt has no wildcard patterns; add a line for each host name that must be reached directly"
	}
	return "", "not a host name apt can match"
}

// aptOwned returns the lower-case option name of a line that is a single
// statement setting Acquire::http(s)::Proxy[::host], "" for any other line,
// and an error for a proxy setting inside a block.
func aptOwned(l line) (string, error) {
	t := strings.TrimSpace(l.text)
	if t == "" || strings.HasPrefix(t, "//") || strings.HasPrefix(t, "#") {
		return "", nil
	}
	name, rest, _ := strings.Cut(t, " ")
	ln := strings.ToLower(name)
	if strings.HasPrefix(ln, "acquire::http::proxy") || strings.HasPrefix(ln, "acquire::https::proxy") {
		base := strings.TrimPrefix(strings.TrimPrefix(ln, "acquire::http::proxy"), "acquire::https::proxy")
		rest = strings.TrimSpace(rest)
		autoDetect := base == "-auto-detect" || base == "autodetect"
		if (base == "" || strings.HasPrefix(base, "::") || autoDetect) && strings.HasPrefix(rest, `"`) && !strings.ContainsAny(rest, "{}") {
			if end := strings.IndexByte(rest[1:], '"'); end >= 0 {
				tail := strings.TrimSpace(rest[end+2:])
				if strings.HasPrefix(tail, ";") {
					tail = strings.TrimSpace(tail[1:])
					if tail == "" || strings.HasPrefix(tail, "//") || strings.HasPrefix(tail, "#") {
						return ln, nil
					}
				}
			}
		}
	}
	return "", nil
}

// aptCode returns a line without its quoted strings and comments.
func aptCode(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '"':
			if end := strings.IndexByte(text[i+1:], '"'); end >= 0 {
				i += end + 1
				continue
			}
			return b.String()
		case c == '#', c == '/' && i+1 < len(text) && text[i+1] == '/':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// aptBraces returns the number of braces a line opens minus those it closes.
func aptBraces(text string) int {
	code := aptCode(text)
	return strings.Count(code, "{") - strings.Count(code, "}")
}
