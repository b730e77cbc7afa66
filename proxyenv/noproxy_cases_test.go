package proxyenv_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// oracleCase is one (URL, list) pair that the real clients decide.
type oracleCase struct {
	ID   string // stable name: group and index
	List string // the no-proxy list, comma form, as written
	URL  string
}

func (c oracleCase) String() string { return fmt.Sprintf("%s no_proxy=%q url=%s", c.ID, c.List, c.URL) }

func (c oracleCase) parsedURL(t testing.TB) *url.URL {
	t.Helper()
	u, err := url.Parse(c.URL)
	if err != nil {
		t.Fatalf("%s: %v", c.ID, err)
	}
	return u
}

// oracleGroups are the lists the oracle tests run, each with the URLs asked
// of it. They cover every entry shape: *, domain, .domain, *.domain, IPv4,
// IPv6 (bare, bracketed, with port), CIDR (aligned, not aligned, /32, /0,
// IPv6), host:port, [v6]:port, Java patterns, invalid entries, white space,
// case, trailing dots, userinfo and explicit ports in URLs.
var oracleGroups = []struct {
	name string
	list string
	urls []string
}{
	{"star", "*", []string{"http://example.com/", "https://10.1.2.3/", "http://[fd00::1]/", "http://localhost:8080/"}},
	{"star-among", "*,example.com", []string{"http://example.com/", "http://other.org/", "http://10.1.2.3/"}},
	{"empty", "", []string{"http://example.com/", "http://localhost/", "http://127.0.0.1/", "http://[::1]/", "http://127.1.2.3:8080/"}},
	{"domain", "example.com", domainURLs},
	{"dot-domain", ".example.com", domainURLs},
	{"star-domain", "*.example.com", domainURLs},
	{"upper-domain", "EXAMPLE.COM", []string{"http://example.com/", "http://www.Example.com/"}},
	{"trailing-dot", "example.com.", []string{"http://example.com/", "http://example.com./", "http://www.example.com/", "http://www.example.com./"}},
	{"single-label", "intranet", []string{"http://intranet/", "http://intranet:8080/", "http://wiki.intranet/", "http://intranet.example.com/"}},
	{"localhost", "localhost", []string{"http://localhost/", "http://localhost:3000/", "http://foo.localhost/", "http://127.0.0.1/", "http://[::1]/", "http://example.com/"}},
	{"domain-port", "example.com:8080", []string{"http://example.com:8080/", "http://example.com/", "https://www.example.com:8080/", "http://example.com:8081/"}},
	{"domain-port-default", "example.com:80", []string{"http://example.com/", "http://example.com:80/", "https://example.com/"}},
	{"dot-domain-port", ".example.com:443", []string{"https://www.example.com/", "https://www.example.com:443/", "http://www.example.com/"}},
	{"ipv4", "10.1.2.3", []string{"http://10.1.2.3/", "http://10.1.2.3:8080/", "https://10.1.2.4/", "http://10.1.2.30/", "http://[::ffff:10.1.2.3]/"}},
	{"ipv4-port", "10.1.2.3:8080", []string{"http://10.1.2.3/", "http://10.1.2.3:8080/", "https://10.1.2.3:8080/"}},
	{"ipv4-prefix", "10.1.2", []string{"http://10.1.2.3/", "http://10.1.2/"}},
	{"ipv4-prefix-dot", "10.1.", []string{"http://10.1.2.3/", "http://10.1.0.1/"}},
	{"cidr8", "10.0.0.0/8", []string{"http://10.1.2.3/", "http://10.255.255.255/", "http://11.0.0.1/", "https://10.0.0.1:8443/", "http://[::ffff:10.1.2.3]/"}},
	{"cidr12", "172.16.0.0/12", []string{"http://172.16.0.1/", "http://172.31.255.255/", "http://172.32.0.1/", "http://172.15.255.255/"}},
	{"cidr16", "192.168.0.0/16", []string{"http://192.168.1.1/", "http://192.169.0.1/"}},
	{"cidr24-hostbits", "192.168.1.77/24", []string{"http://192.168.1.1/", "http://192.168.2.1/"}},
	{"cidr25", "192.168.1.128/25", []string{"http://192.168.1.129/", "http://192.168.1.127/"}},
	{"cidr32", "10.1.2.3/32", []string{"http://10.1.2.3/", "http://10.1.2.4/"}},
	{"cidr0", "0.0.0.0/0", []string{"http://10.1.2.3/", "http://0.0.0.0/", "http://example.com/"}},
	{"cidr-bad-bits", "10.0.0.0/33", []string{"http://10.1.2.3/", "http://10.0.0.0/"}},
	{"cidr-junk-bits", "10.0.0.0/8x,192.168.0.0/,172.16.0.0/+12", []string{"http://10.1.2.3/", "http://192.168.0.0/", "http://172.16.0.1/"}},
	{"ipv6", "fd00::1", ipv6URLs},
	{"ipv6-brackets", "[fd00::1]", ipv6URLs},
	{"ipv6-full", "fd00:0:0:0:0:0:0:1", ipv6URLs},
	{"ipv6-port", "[fd00::1]:8080", ipv6URLs},
	{"ipv6-cidr", "fd00::/8", []string{"http://[fd00::1]/", "http://[fdff::1]/", "http://[fe80::1]/", "http://10.1.2.3/"}},
	{"ipv6-cidr12", "fd00::/12", []string{"http://[fd0f::1]/", "http://[fd10::1]/"}},
	{"ipv6-cidr128", "::1/128", []string{"http://[::1]/", "http://[::2]/"}},
	{"ipv6-loopback", "::1", []string{"http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://localhost/"}},
	{"ipv4-mapped", "::ffff:10.1.2.3", []string{"http://10.1.2.3/", "http://[::ffff:10.1.2.3]/", "http://10.1.2.4/"}},
	{"java-prefix", "10.*", []string{"http://10.1.2.3/", "http://10.example.com/", "http://110.1.2.3/"}},
	{"java-infix", "*corp*", []string{"http://mycorp.com/", "http://corp/", "http://example.com/"}},
	{"java-suffix-nodot", "*example.com", []string{"http://example.com/", "http://myexample.com/", "http://www.example.com/"}},
	{"misplaced-star", "foo*.com", []string{"http://foo.com/", "http://foobar.com/", "http://foo.bar.com/"}},
	{"blank-inside", "a.example b.example,c.example", []string{"http://a.example/", "http://b.example/", "http://c.example/"}},
	{"spaces", " a.example , b.example ", []string{"http://a.example/", "http://b.example/", "http://c.example/"}},
	{"empty-entries", ",,a.example,,", []string{"http://a.example/", "http://b.example/"}},
	{"star-spaced", " * ", []string{"http://example.com/", "http://10.1.2.3/"}},
	{"star-comma", "*,", []string{"http://example.com/"}},
	{"tab-inside", "a.example\tb.example,c.example", []string{"http://a.example/", "http://b.example/", "http://c.example/"}},
	{"port-only", ":8080", []string{"http://example.com:8080/", "http://example.com/"}},
	{"dot-only", ".", []string{"http://example.com/", "http://example.com./"}},
	{"underscore", "my_host", []string{"http://my_host/", "http://a.my_host/", "http://myhost/"}},
	{"idn", "bücher.example", []string{"http://bücher.example/", "http://xn--bcher-kva.example/", "http://www.bücher.example/"}},
	{"idn-punycode", ".xn--bcher-kva.example", []string{"http://a.bücher.example/", "http://a.xn--bcher-kva.example/"}},
	{"ipv4-short-url", "127.0.0.1,10.0.0.0/8", []string{"http://127.1/", "http://10.1/", "http://0x0a.1.2.3/"}},
	{"cidr-zero-bits", "10.0.0.1/0", []string{"http://10.0.0.1/", "http://10.0.0.2/"}},
	{"dots-both", ".example.com.", []string{"http://example.com/", "http://www.example.com./"}},
	{"two-dots", "..example.com", []string{"http://example.com/", "http://www.example.com/", "http://a..example.com/"}},
	{"loopback-mapped", "example.com", []string{"http://[::ffff:127.0.0.1]/", "http://127.9.9.9:8080/"}},
	{"empty-port", "example.com:,[fd00::1]:", []string{"http://example.com:8080/", "http://[fd00::1]:9/"}},
	{"port-leading-zero", "example.com:080", []string{"http://example.com/", "http://example.com:80/", "http://example.com:080/"}},
	{"ipv6-unusual", "FD00::0001", []string{"http://[fd00::1]/", "http://[fd00::0001]/", "http://[FD00::0001]/"}},
	{"kubernetes", "localhost,127.0.0.1,.svc,.cluster.local,kubernetes.default,10.96.0.0/12,10.244.0.0/16,169.254.169.254", []string{"https://kubernetes.default.svc:443/", "http://my-svc.my-ns.svc.cluster.local:8080/", "http://kubernetes.default/", "http://10.96.0.1/", "http://10.111.1.1/", "http://10.112.0.1/", "http://169.254.169.254/latest/meta-data/", "https://registry-1.docker.io/v2/"}},
	{"corporate", "localhost,127.0.0.1,::1,.corp.example.com,corp.example.com,*.internal,192.168.0.0/16,172.16.0.0/12,10.0.0.0/8,.local", []string{"https://wiki.corp.example.com/", "https://corp.example.com/", "http://build.internal/", "http://internal/", "http://printer.local/", "http://172.31.0.9:9090/", "http://[::1]:8080/", "https://github.com/"}},
	{"readme", "localhost,.corp.example,10.0.0.0/8,registry:5000", []string{"http://registry:5000/", "http://registry/", "https://a.corp.example/", "http://corp.example/", "http://10.2.3.4/", "http://localhost:9000/", "http://example.com/"}},
	{"dcos", "localhost,127.0.0.1,.mesos,.thisdcos.directory,.dcos.directory,.zk,master.mesos,leader.mesos,.marathon.mesos", []string{"http://leader.mesos:5050/", "http://master.mesos/", "http://a.b.marathon.mesos/", "http://mesos/", "http://zk-1.zk:2181/", "http://example.com/"}},
	// Dotted digits that can end an IPv4 address: Go matches names only.
	{"dot-digits", ".20.30.40", []string{"http://10.20.30.40/", "http://a.20.30.40/", "http://20.30.40/", "http://1.10.20.30.40/"}},
	{"star-digits", "*.20.30.40", []string{"http://10.20.30.40/", "http://a.20.30.40:8080/"}},
	{"dot-one-number", ".40", []string{"http://10.20.30.40/", "http://a.40/", "http://40/"}},
	{"number-name", "40", []string{"http://40/", "http://a.40/", "http://10.20.30.40/"}},
	{"dot-digits-no-address", ".1.2.3.4,.20.30.040", []string{"http://a.1.2.3.4/", "http://1.2.3.4/", "http://10.20.30.040/", "http://10.20.30.40/"}},
	// IPv4 ranges and IPv4-mapped URL hosts: Go compares numerically.
	{"cidr-mapped", "10.0.0.0/8,192.168.1.0/24", []string{"http://[::ffff:10.1.2.3]/", "http://[::ffff:a01:203]/", "http://[0:0:0:0:0:ffff:10.1.2.3]/", "http://[::ffff:192.168.1.7]:8080/", "http://[::ffff:192.168.2.7]/"}},
	// IPv6 ranges whose prefix length is a multiple of 16.
	{"ipv6-cidr16", "fd00::/16", []string{"http://[fd00::1]/", "http://[fd00:1::1]/", "http://[FD00:0:0:0:0:0:0:1]/", "http://[fd01::1]/", "http://[fd00::10.1.2.3]/", "http://[fd0::1]/"}},
	{"ipv6-cidr32", "2001:db8::/32", []string{"http://[2001:db8::1]/", "http://[2001:db8:1::1]:8080/", "http://[2001:0db8::1]/", "http://[2001:db9::1]/", "http://[2001:db8:0:0:0:0:0:1]/"}},
	{"ipv6-cidr48-zero", "2001:db8:0::/48", []string{"http://[2001:db8::1]/", "http://[2001:db8:0:1::1]/", "http://[2001:db8:1::1]/", "http://[2001:db8::1:0:0:1]/", "http://[2001:db8::1:2:3:4:5]/"}},
	{"ipv6-cidr64-zeros", "2001:db8::/64", []string{"http://[2001:db8::1]/", "http://[2001:db8:0:0:1::1]/", "http://[2001:db8:0:1::1]/", "http://[2001:db8::1:2:3:4:5]/"}},
	{"ipv6-cidr112", "2001:db8:1:2:3:4:5::/112", []string{"http://[2001:db8:1:2:3:4:5:6]/", "http://[2001:db8:1:2:3:4:0.5.0.6]/", "http://[2001:db8:1:2:3:4:6:0]/"}},
	{"ipv6-cidr-mapped-block", "::/80", []string{"http://[::ffff:10.1.2.3]/", "http://[::1:2]/"}},
	{"mixed-ip", "127.0.0.1,192.168.0.0/16,fd00::/8,[fd00::1]:8080,internal.example", []string{"http://192.168.10.20/", "http://[fd12::3]/", "http://[fd00::1]:8080/", "https://api.internal.example/", "http://8.8.8.8/"}},
}

var domainURLs = []string{
	"http://example.com/",
	"http://www.example.com/",
	"http://a.b.example.com/",
	"http://notexample.com/",
	"http://example.com.evil.org/",
	"https://EXAMPLE.com/",
	"http://example.com./",
	"http://user@example.com/",
	"http://user:pw@www.example.com/",
	"http://example.com:8080/",
	"https://www.example.com:443/",
}

var ipv6URLs = []string{
	"http://[fd00::1]/",
	"http://[fd00:0:0:0:0:0:0:1]/",
	"http://[FD00::1]:8080/",
	"http://[fd00::2]/",
	"https://[fd00::1]:8080/",
}

// oracleCases flattens oracleGroups.
func oracleCases() []oracleCase {
	var cs []oracleCase
	for _, g := range oracleGroups {
		for i, u := range g.urls {
			cs = append(cs, oracleCase{ID: fmt.Sprintf("%s/%d", g.name, i), List: g.list, URL: u})
		}
	}
	return cs
}

func TestOracleCorpusIsLargeEnough(t *testing.T) {
	cs := oracleCases()
	if len(cs) < 150 {
		t.Fatalf("%d oracle cases, want at least 150", len(cs))
	}
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.ID] || strings.ContainsAny(c.ID, " \t") {
			t.Fatalf("bad or duplicate case id %q", c.ID)
		}
		seen[c.ID] = true
	}
}
