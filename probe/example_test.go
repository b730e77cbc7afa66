package probe_test

import (
	"context"
	"fmt"
	"net/url"
	"testing/fstest"

	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
)

// Probe a consumer whose no-proxy list sends the URL direct: nothing is
// connected, and the entry responsible is named.
func ExampleProbe() {
	s, err := proxyenv.FromValues(proxyenv.Values{
		Proxy:    "http://svc@proxy.corp.example:3128",
		Password: proxyenv.NewSecret("s3cret"),
		NoProxy:  "10.0.0.0/8,.corp.example",
	})
	if err != nil {
		panic(err)
	}
	c := probe.Consumer{Name: "/etc/environment", Client: proxyenv.Curl, Settings: s, Store: "/etc/ssl/certs/ca-certificates.crt"}
	for _, target := range []string{"https://git.corp.example/", "https://registry-1.docker.io/"} {
		u, _ := url.Parse(target)
		if u.Hostname() == "registry-1.docker.io" {
			// The network is not needed for this example: show which proxy
			// the probe would use instead.
			p, _ := s.ProxyFunc(proxyenv.Curl)(u)
			fmt.Printf("%s goes through %s\n", target, p.Redacted())
			continue
		}
		fmt.Println(probe.Probe(context.Background(), c, u))
	}
	// Output:
	// bypassed: /etc/environment (curl, trusting /etc/ssl/certs/ca-certificates.crt): no-proxy entry ".corp.example"
	// https://registry-1.docker.io/ goes through http://svc:xxxxx@proxy.corp.example:3128
}

// Discover the consumer configurations of a node from its root file
// system (here an in-memory one): each with the client whose rules apply,
// its proxy (credentials redacted) and the store it trusts.
func ExampleDiscover() {
	node := fstest.MapFS{
		"etc/os-release": {Data: []byte("ID=debian\n")},
		"etc/systemd/system/docker.service.d/http-proxy.conf": {Data: []byte(
			"[Service]\nEnvironment=\"HTTPS_PROXY=http://svc:s3cret@proxy.corp.example:3128\" NO_PROXY=.corp.example\n")},
		"etc/environment": {Data: []byte("https_proxy=http://proxy.corp.example:3128\n")},
	}
	consumers, err := probe.Discover(node, probe.Discovery{})
	if err != nil {
		panic(err)
	}
	for _, c := range consumers {
		fmt.Printf("%s (%s): %s, trusting %s\n", c.Name, c.Client, c.Settings.HTTPSProxy, c.Store)
	}
	// Output:
	// docker.service (go): http://svc:xxxxx@proxy.corp.example:3128, trusting /etc/ssl/certs/ca-certificates.crt
	// /etc/environment (curl): http://proxy.corp.example:3128, trusting /etc/ssl/certs/ca-certificates.crt
	// trust store /etc/ssl/certs/ca-certificates.crt (curl): http://proxy.corp.example:3128, trusting /etc/ssl/certs/ca-certificates.crt
}

// Probe every consumer of a node for the URLs a person gives: each URL is
// read by ParseTarget, which refuses credentials (each consumer sends its
// own).
func ExampleAll() {
	var targets []*url.URL
	for _, s := range []string{"https://git.corp.example/", "https://svc:s3cret@registry-1.docker.io/"} {
		u, err := probe.ParseTarget(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		targets = append(targets, u)
	}
	s, _ := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.corp.example:3128", NoProxy: ".corp.example"})
	consumers := []probe.Consumer{
		{Name: "/etc/environment", Client: proxyenv.Curl, Settings: s},
		{Name: "docker.service", Client: proxyenv.Go, Settings: s},
	}
	for _, r := range probe.All(context.Background(), consumers, targets, 0) {
		fmt.Println(r.Consumer, r.Status)
	}
	// Output:
	// probe target "https://svc:xxxxx@registry-1.docker.io/": no credentials in the URL; each consumer's own are used
	// /etc/environment bypassed
	// docker.service bypassed
}
