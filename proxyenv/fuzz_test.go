package proxyenv_test

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
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

// FuzzJavaIPv6RangeNeverWidens checks the Java patterns of an IPv6 range
// against Go on the spellings of any address (with inside, one in the
// range): Java never bypasses a
// spelling of an address Go proxies, and where it proxies one Go bypasses,
// the conversion reported a Loss. Spellings: RFC 5952, without "::", every
// group with four digits, and "::" in place of any run of zero groups
// (even a single one, which Go and Java read too).
func FuzzJavaIPv6RangeNeverWidens(f *testing.F) {
	f.Add([]byte("\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), uint8(2), []byte("\x20\x01\x0d\xb8\x00\x00\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05"), false)
	f.Add([]byte("\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), uint8(4), []byte("\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"), true)
	f.Add([]byte("\xfd\x12\x34\x56\x78\x9a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), uint8(3), []byte("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07"), true)
	f.Fuzz(func(t *testing.T, prefix []byte, groups uint8, addr []byte, inside bool) {
		if len(prefix) != 16 || len(addr) != 16 || groups == 0 || groups > 7 {
			return
		}
		if inside {
			addr = append(slices.Clone(prefix[:2*groups]), addr[2*groups:]...)
		}
		p, err := netip.AddrFrom16([16]byte(prefix)).Prefix(int(groups) * 16)
		if err != nil || p.Addr().Is4In6() {
			return
		}
		l := proxyenv.ParseNoProxy(p.String())
		list, losses := l.Java()
		java := proxyenv.ParseJavaNonProxyHosts(list)
		a := netip.AddrFrom16([16]byte(addr))
		if a.Is4In6() || a.IsLoopback() || a.IsUnspecified() {
			return // Go never proxies loopback; Java's own defaults differ
		}
		for _, s := range ipv6Spellings(a) {
			u, err := url.Parse("http://[" + s + "]/")
			if err != nil {
				continue
			}
			goSays, javaSays := l.Bypass(proxyenv.Go, u), java.Bypass(proxyenv.Java, u)
			if javaSays && !goSays {
				t.Fatalf("%s: Java's %q bypasses [%s], which Go proxies", p, list, s)
			}
			if goSays && !javaSays && len(losses) == 0 {
				t.Fatalf("%s: Java's %q proxies [%s], which Go bypasses, and no Loss says so", p, list, s)
			}
		}
	})
}

// ipv6Spellings returns ways to write a: RFC 5952, no "::", four digits
// per group, and "::" for each run of zero groups.
func ipv6Spellings(a netip.Addr) []string {
	b := a.As16()
	g := make([]string, 8)
	pad := make([]string, 8)
	for i := range g {
		v := uint16(b[2*i])<<8 | uint16(b[2*i+1])
		g[i] = strconv.FormatUint(uint64(v), 16)
		pad[i] = fmt.Sprintf("%04x", v)
	}
	out := []string{a.String(), strings.Join(g, ":"), strings.Join(pad, ":")}
	for i := 0; i < 8; i++ {
		for j := i + 1; j <= 8 && g[j-1] == "0"; j++ {
			out = append(out, strings.Join(g[:i], ":")+"::"+strings.Join(g[j:], ":"))
		}
	}
	return out
}
