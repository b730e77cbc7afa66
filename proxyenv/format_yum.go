package proxyenv

import (
	"strings"
)

// YumConf returns the edit of /etc/yum.conf: proxy=, proxy_username= and
// proxy_password= in its [main] section. See [Settings.DNFConf], which is the
// same edit for /etc/dnf/dnf.conf.
func (s Settings) YumConf() (Edit, []Warning, error) { return s.yumEdit("yum.conf") }

// DNFConf returns the edit of /etc/dnf/dnf.conf: in its [main] section,
// proxy= holds the proxy URL without credentials, and proxy_username= and
// proxy_password= hold the user name and password decoded, as dnf and yum
// read them (they do not decode a URL's userinfo). The proxy is the HTTPS
// proxy, or the HTTP proxy when there is no HTTPS proxy: yum and dnf have one
// proxy for every repository. The lines are replaced in place; a missing
// one goes after the last option of [main]; duplicates, and the credential
// lines of a proxy without credentials, are removed. Other sections, keys,
// comments and layout are kept.
//
// A file that has content but no [main] section, an option before the first
// section, or a line that is neither section, option nor comment is refused.
// A user name or password that an ini parser would change (a control
// character, a leading or trailing blank, a blank before ';' or '#') is
// refused; one holding '$' gets a warning, as dnf substitutes its variables.
func (s Settings) DNFConf() (Edit, []Warning, error) { return s.yumEdit("dnf.conf") }

func (s Settings) yumEdit(format string) (Edit, []Warning, error) {
	var warns []Warning
	p := s.HTTPSProxy
	if p == nil {
		p = s.HTTPProxy
	}
	if s.HTTPProxy != nil && s.HTTPSProxy != nil && s.HTTPProxy.RevealURL() != s.HTTPSProxy.RevealURL() {
		warns = append(warns, Warning{Format: format, Item: "proxy", Message: "yum and dnf have one proxy for every repository; using the HTTPS proxy for http:// repositories too"})
	}
	if !s.NoProxy.IsEmpty() {
		warns = append(warns, Warning{Format: format, Item: "no_proxy", Message: "yum and dnf have no no-proxy list; set proxy=_none_ in the .repo section of each repository to reach directly"})
	}
	var (
		want   []keyedLine
		remove []string
	)
	if p == nil {
		remove = []string{"proxy", "proxy_username", "proxy_password"}
	} else {
		bare := p.WithoutCredentials()
		want = append(want, keyedLine{"proxy", "proxy=" + bare.RevealURL()})
		for _, kv := range []struct{ key, value string }{{"proxy_username", p.Username}, {"proxy_password", p.Password.Reveal()}} {
			if kv.value == "" {
				remove = append(remove, kv.key)
				continue
			}
			if class, bad := iniUnsafe(kv.value); bad {
				return nil, nil, unsafeValue(format, kv.key, class)
			}
			if strings.Contains(kv.value, "$") {
				warns = append(warns, Warning{Format: format, Item: kv.key, Message: "holds '$': dnf replaces $name and ${name} by its variable where one is defined (releasever, basearch, /etc/dnf/vars)"})
			}
			want = append(want, keyedLine{kv.key, kv.key + "=" + kv.value})
		}
	}
	return func(old []byte) ([]byte, error) {
		if err := checkInput(format, old); err != nil {
			return nil, err
		}
		ls, mainEnd, err := parseIni(format, splitLines(old), "main", map[string]bool{"proxy": true, "proxy_username": true, "proxy_password": true})
		if err != nil {
			return nil, err
		}
		if mainEnd < 0 {
			if strings.TrimSpace(string(old)) != "" {
				return nil, &FormatError{Format: format, Detail: "no [main] section", Err: ErrMalformed}
			}
			nl := newlineOf(ls)
			if len(ls) > 0 && ls[len(ls)-1].eol == "" {
				ls[len(ls)-1].eol = nl
			}
			ls = append(ls, line{text: "[main]", eol: nl})
			mainEnd = len(ls) - 1
		}
		return joinLines(setKeyed(ls, want, remove, mainEnd)), nil
	}, warns, nil
}

// iniUnsafe reports the class of the first thing in v that an ini parser
// (Python's ConfigParser as yum uses it, libdnf's parser) would not read
// back as written.
func iniUnsafe(v string) (string, bool) {
	if class, bad := charClass(v, func(c byte) bool { return c < 0x20 || c == 0x7f }); bad {
		return class, true
	}
	if t := strings.Trim(v, " \t"); t != v {
		return "leading or trailing blank", true
	}
	for i := 1; i < len(v); i++ {
		if (v[i] == ';' || v[i] == '#') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return "blank before ';' or '#' (an inline comment)", true
		}
	}
	return "", false
}

// parseIni reads the lines of an ini file as yum and dnf do, joining
// continuation lines (lines that start with a blank, after an option) into
// their option's logical line, and marks the lines that assign an owned key
// in a section named section. It returns the index, in the returned lines,
// of the last option or header line of the first such section (-1 when
// there is none).
func parseIni(format string, ls []line, section string, owned map[string]bool) ([]line, int, error) {
	var (
		out       []line
		cur       string // current section; "" before the first
		inSection bool   // any section seen
		lastOpt   bool   // the previous logical line is an option
		firstEnd  = -1
		firstDone bool
	)
	for _, l := range ls {
		t := strings.TrimSpace(l.text)
		switch {
		case t == "":
			lastOpt = false
			out = append(out, l)
			continue
		case t[0] == '#' || t[0] == ';':
			out = append(out, l)
			continue
		case (l.text[0] == ' ' || l.text[0] == '\t') && lastOpt:
			p := &out[len(out)-1]
			p.text += p.eol + l.text
			p.eol = l.eol
			continue
		case t[0] == '[':
			end := strings.IndexByte(t, ']')
			if end < 0 {
				return nil, -1, malformed(format, l.num, "section header without ']'")
			}
			if firstEnd >= 0 {
				firstDone = true
			}
			cur, inSection, lastOpt = strings.TrimSpace(t[1:end]), true, false
			out = append(out, l)
			if cur == section && !firstDone {
				firstEnd = len(out) - 1
			}
			continue
		}
		i := strings.IndexAny(t, "=:")
		if i <= 0 {
			return nil, -1, malformed(format, l.num, "neither a section, an option nor a comment") // not quoted: it may be a credential
		}
		if !inSection {
			return nil, -1, malformed(format, l.num, "option "+boundedKey(t)+" before the first section")
		}
		key := strings.ToLower(strings.TrimSpace(t[:i]))
		if cur == section && owned[key] {
			l.key = key
		}
		out = append(out, l)
		lastOpt = true
		if cur == section && !firstDone {
			firstEnd = len(out) - 1
		}
	}
	return out, firstEnd, nil
}
