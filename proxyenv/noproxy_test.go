package proxyenv_test

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestParseNoProxyTypesEveryShape(t *testing.T) {
	for _, tc := range []struct {
		entry string
		want  proxyenv.Entry
	}{
		{"*", proxyenv.Entry{Text: "*", Kind: proxyenv.KindAll}},
		{"Example.COM", proxyenv.Entry{Text: "example.com", Kind: proxyenv.KindDomain, Host: "example.com"}},
		{"localhost", proxyenv.Entry{Text: "localhost", Kind: proxyenv.KindDomain, Host: "localhost"}},
		{".example.com", proxyenv.Entry{Text: ".example.com", Kind: proxyenv.KindSubdomains, Host: "example.com"}},
		{"*.example.com", proxyenv.Entry{Text: "*.example.com", Kind: proxyenv.KindWildcard, Host: "example.com"}},
		{"example.com:8080", proxyenv.Entry{Text: "example.com:8080", Kind: proxyenv.KindDomain, Host: "example.com", Port: "8080"}},
		{".example.com:443", proxyenv.Entry{Text: ".example.com:443", Kind: proxyenv.KindSubdomains, Host: "example.com", Port: "443"}},
		{"10.1.2.3", proxyenv.Entry{Text: "10.1.2.3", Kind: proxyenv.KindIP, Addr: netip.MustParseAddr("10.1.2.3")}},
		{"10.1.2.3:8080", proxyenv.Entry{Text: "10.1.2.3:8080", Kind: proxyenv.KindIP, Addr: netip.MustParseAddr("10.1.2.3"), Port: "8080"}},
		{"fd00::1", proxyenv.Entry{Text: "fd00::1", Kind: proxyenv.KindIP, Addr: netip.MustParseAddr("fd00::1")}},
		{"[fd00::1]", proxyenv.Entry{Text: "[fd00::1]", Kind: proxyenv.KindIP, Addr: netip.MustParseAddr("fd00::1")}},
		{"[FD00::1]:8080", proxyenv.Entry{Text: "[fd00::1]:8080", Kind: proxyenv.KindIP, Addr: netip.MustParseAddr("fd00::1"), Port: "8080"}},
		{"10.0.0.0/8", proxyenv.Entry{Text: "10.0.0.0/8", Kind: proxyenv.KindCIDR, Prefix: netip.MustParsePrefix("10.0.0.0/8")}},
		{"192.168.1.77/24", proxyenv.Entry{Text: "192.168.1.77/24", Kind: proxyenv.KindCIDR, Prefix: netip.MustParsePrefix("192.168.1.0/24")}},
		{"fd00::/8", proxyenv.Entry{Text: "fd00::/8", Kind: proxyenv.KindCIDR, Prefix: netip.MustParsePrefix("fd00::/8")}},
		{"10.*", proxyenv.Entry{Text: "10.*", Kind: proxyenv.KindPattern}},
		{"*corp*", proxyenv.Entry{Text: "*corp*", Kind: proxyenv.KindPattern}},
	} {
		t.Run(tc.entry, func(t *testing.T) {
			got := proxyenv.ParseNoProxy(tc.entry).Entries()
			require.Len(t, got, 1)
			assert.Equal(t, tc.want, got[0])
		})
	}
}

func TestParseNoProxyKeepsInvalidEntriesWithAReason(t *testing.T) {
	for _, entry := range []string{"10.1.2", "10.", "a b", "foo*.com", ":8080", "example.com:http", "example.com:99999", "example.com:080", "10.0.0.0/33", "[fd00::1", "*.", "."} {
		t.Run(entry, func(t *testing.T) {
			l := proxyenv.ParseNoProxy("good.example," + entry)
			require.Equal(t, 2, l.Len())
			bad := l.Invalid()
			require.Len(t, bad, 1)
			assert.Equal(t, entry, bad[0].Text)
			assert.Equal(t, proxyenv.KindInvalid, bad[0].Kind)
			assert.NotEmpty(t, bad[0].Reason)
		})
	}
}

func TestParseNoProxyReadsTheCommaFormAsClientsDo(t *testing.T) {
	l := proxyenv.ParseNoProxy(" a.example ,,\tB.example\n, ,.c.example,")
	assert.Equal(t, "a.example,b.example,.c.example", l.String())
	assert.Equal(t, " a.example ||\tB.example\n| |.c.example|", l.NonProxyHosts(), "the hand translation keeps what was written")
	assert.Equal(t, 3, l.Len())
	assert.True(t, proxyenv.ParseNoProxy(" , ").IsEmpty())
	assert.True(t, proxyenv.ParseNoProxy("").IsEmpty())
}

func TestParseNoProxyStringRoundTrips(t *testing.T) {
	for _, c := range oracleCases() {
		l := proxyenv.ParseNoProxy(c.List)
		again := proxyenv.ParseNoProxy(l.String())
		assert.Equal(t, l.String(), again.String(), c.List)
		assert.Equal(t, l.Entries(), again.Entries(), c.List)
	}
}

func TestParseJavaNonProxyHostsKeepsEntriesAsWritten(t *testing.T) {
	l := proxyenv.ParseJavaNonProxyHosts("*.corp.example|| localhost|10.*|Example.com")
	assert.Equal(t, "*.corp.example|| localhost|10.*|Example.com", l.NonProxyHosts())
	entries := l.Entries()
	require.Len(t, entries, 4)
	assert.Equal(t, proxyenv.KindWildcard, entries[0].Kind)
	assert.Equal(t, " localhost", entries[1].Text, "Java does not trim")
	assert.Equal(t, proxyenv.KindInvalid, entries[1].Kind)
	assert.Equal(t, proxyenv.KindPattern, entries[2].Kind)
	assert.Equal(t, "example.com", entries[3].Text)

	u, _ := url.Parse("http://localhost/")
	assert.True(t, l.Bypass(proxyenv.Java, u), "Java's defaults still apply")
	u, _ = url.Parse("http://10.9.8.7/")
	assert.True(t, l.Bypass(proxyenv.Java, u))
	assert.False(t, l.Bypass(proxyenv.Go, u), "Go does not read Java patterns")
}

func TestEntriesReturnsACopy(t *testing.T) {
	l := proxyenv.ParseNoProxy("example.com,10.0.0.0/8")
	e := l.Entries()
	e[0].Text, e[0].Host = "evil.example", "evil.example"
	assert.Equal(t, "example.com,10.0.0.0/8", l.String())
	u, _ := url.Parse("http://evil.example/")
	assert.False(t, l.Bypass(proxyenv.Go, u))
}

func TestMergeAddsOnlyNewEntries(t *testing.T) {
	a := proxyenv.ParseNoProxy("localhost,.corp.example,10.0.0.0/8")
	b := proxyenv.ParseNoProxy("10.0.0.0/8, LOCALHOST ,.mesos,.mesos,master.mesos")
	m := a.Merge(b)
	assert.Equal(t, "localhost,.corp.example,10.0.0.0/8,.mesos,master.mesos", m.String())
	assert.Equal(t, "localhost,.corp.example,10.0.0.0/8", a.String(), "a unchanged")
	assert.Equal(t, m.String(), m.Merge(b).String(), "idempotent")
	u, _ := url.Parse("http://leader.mesos/")
	assert.True(t, m.Bypass(proxyenv.Go, u), "the merged list is compiled")
	assert.True(t, m.Contains(" Master.Mesos"))
}

func TestZeroNoProxyIsTheEmptyList(t *testing.T) {
	var l proxyenv.NoProxy
	assert.True(t, l.IsEmpty())
	assert.Equal(t, "", l.String())
	for _, tc := range []struct {
		url  string
		want map[proxyenv.Client]bool
	}{
		// Java: an empty http.nonProxyHosts disables even its defaults.
		{"http://localhost/", map[proxyenv.Client]bool{proxyenv.Go: true, proxyenv.Curl: false, proxyenv.Java: false, proxyenv.Python: false}},
		{"http://127.0.0.2/", map[proxyenv.Client]bool{proxyenv.Go: true, proxyenv.Curl: false, proxyenv.Java: false, proxyenv.Python: false}},
		{"http://example.com/", map[proxyenv.Client]bool{proxyenv.Go: false, proxyenv.Curl: false, proxyenv.Java: false, proxyenv.Python: false}},
	} {
		u, _ := url.Parse(tc.url)
		for c, want := range tc.want {
			assert.Equal(t, want, l.Bypass(c, u), "%v %s", c, tc.url)
			assert.Equal(t, want, proxyenv.ParseNoProxy("").Bypass(c, u), "%v %s", c, tc.url)
		}
	}
	assert.False(t, l.Bypass(proxyenv.Go, nil))
}

// TestBypassRules states each client's rules from the issue as cases:
// want holds the decisions of Go, curl, Java and Python, in that order
// ("D" direct, "P" proxy).
func TestBypassRules(t *testing.T) {
	for _, tc := range []struct {
		rule, list, url, want string
	}{
		{"a name matches itself and subdomains", "example.com", "http://www.example.com/", "DDPD"},
		{"a name does not match a longer name", "example.com", "http://notexample.com/", "PPPP"},
		{".x: Go subdomains only; curl and Python x too", ".example.com", "http://example.com/", "PDPD"},
		{"*.x: Go and Java subdomains; curl and Python never", "*.example.com", "http://www.example.com/", "DPDP"},
		{"* alone bypasses all", "*", "http://example.com/", "DDDD"},
		{"* among others: only Go and Java", "*,foo.example", "http://example.com/", "DPDP"},
		{"CIDR: Go and curl, numerically", "10.0.0.0/8", "http://10.1.2.3/", "DDPP"},
		{"port: Go compares, curl never matches, Python only when spelled", "example.com:8080", "http://example.com:8080/", "DPPD"},
		{"default port counts for Go, not for Python", "example.com:80", "http://example.com/", "DPPP"},
		{"Go never proxies loopback", "example.com", "http://127.0.0.1/", "DPDP"},
		{"Go never proxies localhost", "example.com", "http://localhost:8080/", "DPDP"},
		{"userinfo defeats Python's exact match", "example.com", "http://user@example.com/", "DDDP"},
		{"IPv6 numerically for Go and curl 8.18", "fd00::1", "http://[fd00:0:0:0:0:0:0:1]/", "DDPP"},
		{"IPv6 in brackets: Java and Python, as text", "[fd00::1]", "http://[fd00::1]/", "PPDD"},
		{"IPv6 CIDR: Go and curl 8.18", "fd00::/8", "http://[fd12::1]/", "DDPP"},
		{"trailing dots: curl ignores them", "example.com", "http://example.com./", "PDPP"},
		{"Java patterns: only Java", "*corp*", "http://mycorp.example/", "PPDP"},
		{"an entry with a blank ends curl's list (8.9+)", "a.example b.example,c.example", "http://c.example/", "DPDD"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			l := proxyenv.ParseNoProxy(tc.list)
			u, err := url.Parse(tc.url)
			require.NoError(t, err)
			var got strings.Builder
			for _, c := range proxyenv.Clients {
				got.WriteString(map[bool]string{true: "D", false: "P"}[l.Bypass(c, u)])
			}
			assert.Equal(t, tc.want, got.String(), "Go,curl,Java,Python for %q on %s", tc.list, tc.url)
		})
	}
}

func TestJavaConvertsEachShape(t *testing.T) {
	const loop = "localhost|127.*|[::1]|[0:0:0:0:0:0:0:1]|[::ffff:127.*|0.0.0.0|[::0]"
	for _, tc := range []struct {
		list, want string
		losses     []proxyenv.LossKind
	}{
		{"", loop, nil},
		{"*", "*|" + loop, nil},
		{"example.com", "example.com|*.example.com|" + loop, nil},
		{".example.com,*.example.com", "*.example.com|" + loop, nil},
		{"example.com:8080", "example.com|*.example.com|" + loop, []proxyenv.LossKind{proxyenv.Widened}},
		{"10.1.2.3,10.1.2.3:80", "10.1.2.3|" + loop, []proxyenv.LossKind{proxyenv.Widened}},
		{"10.0.0.0/8,192.168.0.0/16,10.1.2.0/24,10.1.2.3/32", "10.*|192.168.*|10.1.2.*|10.1.2.3|" + loop, []proxyenv.LossKind{proxyenv.Narrowed, proxyenv.Narrowed, proxyenv.Narrowed, proxyenv.Narrowed}},
		{"172.16.0.0/12", "172.16.*|172.17.*|172.18.*|172.19.*|172.20.*|172.21.*|172.22.*|172.23.*|172.24.*|172.25.*|172.26.*|172.27.*|172.28.*|172.29.*|172.30.*|172.31.*|" + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{"192.168.1.128/30", "192.168.1.128|192.168.1.129|192.168.1.130|192.168.1.131|" + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{"fd00::1", "[fd00::1]|[fd00:0:0:0:0:0:0:1]|" + loop, nil},
		{"[fd00::1]:8080", "[fd00::1]|[fd00:0:0:0:0:0:0:1]|" + loop, []proxyenv.LossKind{proxyenv.Widened}},
		{"[fd00::1]", loop, []proxyenv.LossKind{proxyenv.Dropped}},
		{"[fd00::1]:,example.com:", "[fd00::1]|[fd00:0:0:0:0:0:0:1]|example.com|*.example.com|" + loop, nil},
		{"fd00::0001", "[fd00::1]|[fd00:0:0:0:0:0:0:1]|[fd00::0001]|" + loop, nil},
		{"fd00::/8", loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{"::ffff:10.1.2.3", "10.1.2.3|[::ffff:10.1.2.3]|" + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{"0.0.0.0/0", loop, []proxyenv.LossKind{proxyenv.Dropped}},
		{"10.0.0.0/1", loop, []proxyenv.LossKind{proxyenv.Dropped}},
		{"100.64.0.0/10", javaBlocks(100, 64, 64) + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		// Dotted digits that can end an IPv4 address: Java's *.x would
		// match the address, Go matches names only.
		{".20.30.40,*.20.30.40,.40,.20.30.40:8080", loop, []proxyenv.LossKind{proxyenv.Dropped, proxyenv.Dropped, proxyenv.Dropped, proxyenv.Dropped}},
		{"40", "40|" + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{".1.2.3.4,.20.30.040,.256.1", "*.1.2.3.4|*.20.30.040|*.256.1|" + loop, nil},
		// IPv6 ranges of 16-bit groups: a prefix pattern on the text.
		// Groups of four hex digits have one spelling: exact, no Loss.
		{"fd00::/16,fd12:3456:789a::/48", "[fd00:*|[fd12:3456:789a:*|" + loop, nil},
		{"2001:db8::/32", "[2001:db8:*|" + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{"2001:db8:1:2:3:4:5::/112", "[2001:db8:1:2:3:4:5:*|" + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{"2001:db8:0::/48", "[2001:db8:0:*|[2001:db8::*|" + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{"2001:db8::/64", "[2001:db8:0:0:*|" + loop, []proxyenv.LossKind{proxyenv.Narrowed}},
		{"::/16,::/80,::/0,fd00::/20", loop, []proxyenv.LossKind{proxyenv.Narrowed, proxyenv.Narrowed, proxyenv.Narrowed, proxyenv.Narrowed}},
		{"10.1.2,foo*.com,a b,10.*", loop, []proxyenv.LossKind{proxyenv.Dropped, proxyenv.Dropped, proxyenv.Dropped, proxyenv.Dropped}},
	} {
		t.Run(tc.list, func(t *testing.T) {
			got, losses := proxyenv.ParseNoProxy(tc.list).Java()
			assert.Equal(t, tc.want, got)
			var kinds []proxyenv.LossKind
			for _, l := range losses {
				kinds = append(kinds, l.Kind)
				assert.NotEmpty(t, l.Message)
				assert.True(t, proxyenv.ParseNoProxy(tc.list).Contains(l.Entry), "loss names an entry: %v", l)
			}
			assert.Equal(t, tc.losses, kinds, "%v", losses)
		})
	}
}

func TestLossString(t *testing.T) {
	_, losses := proxyenv.ParseNoProxy("registry:5000").Java()
	require.Len(t, losses, 1)
	assert.Equal(t, "registry:5000: widened: Java has no ports: registry bypasses the proxy on every port, not only 5000", losses[0].String())
}

// javaBlocks returns "first.from.*|…" for n second octets.
func javaBlocks(first, from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d.%d.*|", first, from+i)
	}
	return b.String()
}

func TestBypassIsSafeForConcurrentUse(t *testing.T) {
	l := proxyenv.ParseNoProxy(benchList)
	want := map[proxyenv.Client][]bool{}
	for _, c := range proxyenv.Clients {
		for _, u := range benchURLs {
			want[c] = append(want[c], l.Bypass(c, u))
		}
	}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				for _, c := range proxyenv.Clients {
					for i, u := range benchURLs {
						if l.Bypass(c, u) != want[c][i] {
							t.Errorf("%v %v: decision changed", c, u)
						}
					}
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}
