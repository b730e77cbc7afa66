package proxyenv_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/proxyenv"
)

// fuzzURLs are asked of every fuzzed list, to find panics in Bypass.
var fuzzURLs = func() []*url.URL {
	var us []*url.URL
	for _, s := range []string{
		"http://example.com/", "https://www.example.com:8443/", "http://10.1.2.3/",
		"http://[fd00::1]:8080/", "http://[::ffff:10.1.2.3]/", "http://user:pw@a.b.example./",
		"http://localhost/", "http://my_host/", "http://1/",
	} {
		u, _ := url.Parse(s)
		us = append(us, u)
	}
	return us
}()

func checkList(t *testing.T, l proxyenv.NoProxy) {
	for _, u := range fuzzURLs {
		for _, c := range proxyenv.Clients {
			l.Bypass(c, u)
		}
	}
	list, losses := l.Java()
	if list == "" {
		t.Fatalf("Java() returned an empty list for %q", l.String())
	}
	for _, loss := range losses {
		if !l.Contains(loss.Entry) {
			t.Fatalf("loss %v names no entry of %q", loss, l.String())
		}
	}
}

func FuzzParseNoProxy(f *testing.F) {
	for _, c := range oracleCases() {
		f.Add(c.List)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := proxyenv.ParseNoProxy(s)
		again := proxyenv.ParseNoProxy(l.String())
		if l.String() != again.String() {
			t.Fatalf("String not stable: %q → %q → %q", s, l.String(), again.String())
		}
		a, b := l.Entries(), again.Entries()
		if len(a) != len(b) {
			t.Fatalf("%q: %d entries, %d after a round trip", s, len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%q: entry %d %+v became %+v", s, i, a[i], b[i])
			}
		}
		checkList(t, l)
	})
}

func FuzzParseJavaNonProxyHosts(f *testing.F) {
	for _, c := range oracleCases() {
		f.Add(strings.ReplaceAll(c.List, ",", "|"))
		java, _ := proxyenv.ParseNoProxy(c.List).Java()
		f.Add(java)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := proxyenv.ParseJavaNonProxyHosts(s)
		again := proxyenv.ParseJavaNonProxyHosts(l.NonProxyHosts())
		if l.NonProxyHosts() != again.NonProxyHosts() {
			t.Fatalf("NonProxyHosts not stable: %q → %q → %q", s, l.NonProxyHosts(), again.NonProxyHosts())
		}
		a, b := l.Entries(), again.Entries()
		if len(a) != len(b) {
			t.Fatalf("%q: %d entries, %d after a round trip", s, len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%q: entry %d %+v became %+v", s, i, a[i], b[i])
			}
		}
		checkList(t, l)
	})
}

func FuzzParseProxy(f *testing.F) {
	for _, tc := range proxyForms {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := proxyenv.ParseProxy(s)
		if err != nil {
			pw := passwordOf(s)
			// The scheme and host may repeat the password's text.
			visible := s[strings.LastIndexByte(s, '@')+1:]
			if scheme, _, ok := strings.Cut(s, "://"); ok {
				visible += " " + scheme
			}
			visible += fmt.Sprintf(" %q", visible) // and so may its quoting
			if len(pw) >= 4 && !strings.Contains(visible, pw) && strings.Contains(err.Error(), pw) {
				t.Fatalf("error %q reveals the password of %q", err, s)
			}
			return
		}
		if !p.Password.IsZero() {
			// The rendering is fully determined without the password.
			want := p.Scheme + "://" + url.User(p.Username).String() + ":" + proxyenv.Redacted + "@" + p.HostPort()
			if got := p.String(); got != want {
				t.Fatalf("String = %q, want %q", got, want)
			}
		}
		again, err := proxyenv.ParseProxy(p.URL().String())
		if err != nil {
			t.Fatalf("%q parsed to %v, whose URL does not parse: %v", s, p, err)
		}
		want := p
		want.Port = p.EffectivePort()
		if again != want {
			t.Fatalf("round trip of %q: %#v became %#v", s, want, again)
		}
	})
}

// passwordOf returns the raw password part of a proxy value, as a person
// would see it: between the first ":" after the scheme and the last "@".
func passwordOf(s string) string {
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(s[:i], ":")
	return pw
}
