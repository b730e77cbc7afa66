package proxyenv_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/http/httpproxy"

	"github.com/proxykit/proxykit/proxyenv"
)

// benchList is a 50-entry list of every common shape.
var benchList = func() string {
	var parts []string
	for i := 0; i < 20; i++ {
		parts = append(parts, fmt.Sprintf(".svc%d.corp.example", i))
	}
	for i := 0; i < 10; i++ {
		parts = append(parts, fmt.Sprintf("host%d.example.com", i))
	}
	for i := 0; i < 10; i++ {
		parts = append(parts, fmt.Sprintf("10.%d.0.0/16", i))
	}
	for i := 0; i < 5; i++ {
		parts = append(parts, fmt.Sprintf("192.168.%d.10", i))
	}
	parts = append(parts, "localhost", "fd00::/8", "registry.example:5000", "*.internal.example", "[fd00::1]:8080")
	return strings.Join(parts, ",")
}()

// benchURLs miss the list (the costly case: every entry is tried) or hit it
// late.
var benchURLs = func() []*url.URL {
	var us []*url.URL
	for _, s := range []string{"https://www.google.com/search", "http://a.svc19.corp.example/", "http://172.20.1.1/", "https://[2001:db8::1]/"} {
		u, _ := url.Parse(s)
		us = append(us, u)
	}
	return us
}()

func BenchmarkBypass(b *testing.B) {
	l := proxyenv.ParseNoProxy(benchList)
	if l.Len() != 50 {
		b.Fatalf("%d entries", l.Len())
	}
	for _, c := range proxyenv.Clients {
		b.Run(c.String(), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				l.Bypass(c, benchURLs[i%len(benchURLs)])
			}
		})
	}
	b.Run("httpproxy.ProxyFunc", func(b *testing.B) {
		pf := (&httpproxy.Config{HTTPProxy: "http://proxy:3128", HTTPSProxy: "http://proxy:3128", NoProxy: benchList}).ProxyFunc()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_, _ = pf(benchURLs[i%len(benchURLs)])
		}
	})
}

func BenchmarkParseNoProxy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		proxyenv.ParseNoProxy(benchList)
	}
}
