package proxyenv_test

import (
	"fmt"
	"net/url"
	"testing/fstest"

	"github.com/proxykit/proxykit/proxyenv"
)

func ExampleParseProxy() {
	p, err := proxyenv.ParseProxy("svc@corp:p@ss w/rd@proxy.corp.example")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p)            // the password never prints
	fmt.Println(p.HostPort()) // the port is always explicit
	fmt.Println(p.Username)
	_, err = proxyenv.ParseProxy("http://svc:p@ss@proxy.corp.example:3128000")
	fmt.Println(err)
	// Output:
	// http://svc%40corp:xxxxx@proxy.corp.example:80
	// proxy.corp.example:80
	// svc@corp
	// proxy "http://xxxxx@proxy.corp.example:3128000": invalid proxy port: "3128000"
}

func ExampleParseNoProxy() {
	l := proxyenv.ParseNoProxy(" localhost, .corp.example,10.0.0.0/8,registry:5000,10.1.2")
	fmt.Println(l)
	for _, e := range l.Entries() {
		if e.Kind == proxyenv.KindInvalid {
			fmt.Printf("%-14s %s: %s\n", e, e.Kind, e.Reason)
			continue
		}
		fmt.Printf("%-14s %s\n", e, e.Kind)
	}
	// Output:
	// localhost,.corp.example,10.0.0.0/8,registry:5000,10.1.2
	// localhost      domain
	// .corp.example  subdomains
	// 10.0.0.0/8     cidr
	// registry:5000  domain
	// 10.1.2         invalid: IPv4 prefix: no client matches addresses by their beginning; write a CIDR range such as 10.1.2.0/24
}

func ExampleNoProxy_Bypass() {
	l := proxyenv.ParseNoProxy(".corp.example,10.0.0.0/8")
	for _, s := range []string{"https://corp.example/", "http://10.1.2.3/"} {
		u, _ := url.Parse(s)
		fmt.Print(s)
		for _, c := range proxyenv.Clients {
			fmt.Printf(" %s:%v", c, l.Bypass(c, u))
		}
		fmt.Println()
	}
	// Output:
	// https://corp.example/ go:false curl:true java:false python:true
	// http://10.1.2.3/ go:true curl:true java:false python:false
}

func ExampleNoProxy_Java() {
	l := proxyenv.ParseNoProxy("localhost,.corp.example,10.0.0.0/8,registry:5000")
	java, losses := l.Java()
	fmt.Println(java)
	for _, loss := range losses {
		fmt.Println("warning:", loss)
	}
	// Output:
	// localhost|*.localhost|*.corp.example|10.*|registry|*.registry|127.*|[::1]|[0:0:0:0:0:0:0:1]|[::ffff:127.*|0.0.0.0|[::0]
	// warning: 10.0.0.0/8: narrowed: Go also bypasses the IPv4-mapped IPv6 form of these addresses (http://[::ffff:10.0.0.1]/), which Java compares as text and proxies
	// warning: registry:5000: widened: Java has no ports: registry bypasses the proxy on every port, not only 5000
}

func ExampleFromEnvironment() {
	s, conflicts, err := proxyenv.FromEnvironment([]string{
		"http_proxy=http://svc:s3cret@proxy.corp.example:3128",
		"HTTPS_PROXY=proxy.corp.example:3128",
		"no_proxy=localhost,.corp.example",
		"NO_PROXY=localhost",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.HTTPProxy)
	fmt.Println(s.HTTPSProxy)
	fmt.Println(s.NoProxy)
	for _, c := range conflicts {
		fmt.Println(c)
	}
	// Output:
	// http://svc:xxxxx@proxy.corp.example:3128
	// http://proxy.corp.example:3128
	// localhost,.corp.example
	// no_proxy="localhost,.corp.example" and NO_PROXY="localhost" differ: Go's net/http uses the upper-case value, curl, Python and httpproxy the lower-case one; using the lower-case one
}

func ExampleFromValues() {
	// The password comes from a file or the environment, never from the
	// command line; the https:// proxy defaults to the http:// one.
	s, err := proxyenv.FromValues(proxyenv.Values{
		Proxy:    "http://svc-dcos@proxy.corp.example:3128",
		NoProxy:  ".corp.example,10.0.0.0/8",
		Password: proxyenv.NewSecret("s3cret"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.HTTPSProxy, s.HasCredentials())
	_, err = proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy:3128", Password: proxyenv.NewSecret("s3cret")})
	fmt.Println(err)
	// Output:
	// http://svc-dcos:xxxxx@proxy.corp.example:3128 true
	// Proxy: a proxy password was given but the proxy URL has no user name (write it as http://USER@host:port)
}

func ExampleFromValues_noProxy() {
	// An entry no client can match would be written into every file for
	// nothing; "*" turns the proxy off, so it must be meant.
	_, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy:3128", NoProxy: ".corp.example,10.0.0.0/33,*"})
	fmt.Println(err)
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy:3128", NoProxy: "*", BypassAll: true})
	fmt.Println(s.NoProxy, err)
	// Output:
	// NoProxy: no-proxy entry "10.0.0.0/33": not an address range (CIDR) nor a name; no client can match it
	// no-proxy entry "*" sends every host direct, turning the proxy off for every client
	// * <nil>
}

func ExampleSettings_ProxyFunc() {
	s, _ := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.corp.example:3128", NoProxy: ".corp.example"})
	proxyFor := s.ProxyFunc(proxyenv.Go) // compiled once, for many URLs
	for _, raw := range []string{"https://pypi.org/simple/", "https://git.corp.example/", "http://localhost:8080/"} {
		u, _ := url.Parse(raw)
		p, _ := proxyFor(u)
		fmt.Println(raw, "→", p)
	}
	// Output:
	// https://pypi.org/simple/ → http://proxy.corp.example:3128
	// https://git.corp.example/ → <nil>
	// http://localhost:8080/ → <nil>
}

func ExampleSettings_ProxyFor() {
	s, _ := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.corp.example:3128"})
	u, _ := url.Parse("https://conda.anaconda.org/")
	p, _ := s.ProxyFor(u)
	fmt.Println(p)
	// Output: http://proxy.corp.example:3128
}

func ExampleIsVariable() {
	for _, name := range []string{"HTTPS_PROXY", "no_proxy", "All_Proxy", "JAVA_OPTS"} {
		fmt.Println(name, proxyenv.IsVariable(name))
	}
	// Output:
	// HTTPS_PROXY true
	// no_proxy true
	// All_Proxy true
	// JAVA_OPTS false
}

// Every Docker client configuration of a node, and the change each needs:
// the proxies merged into ~/.docker/config.json, logins kept.
func ExampleDockerClients() {
	node := fstest.MapFS{
		"etc/passwd":                     {Data: []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n")},
		"home/alice/.docker/config.json": {Data: []byte("{\n\t\"auths\": {\n\t\t\"registry.corp.example\": {}\n\t}\n}\n")},
	}
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.corp.example:3128"})
	if err != nil {
		fmt.Println(err)
		return
	}
	clients, err := proxyenv.DockerClients(node) // no names: every user that has one
	if err != nil {
		fmt.Println(err)
		return
	}
	edit, _, err := s.DockerClientConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range clients {
		b, err := edit(node[c.Path].Data)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("# /%s, owner %d:%d, mode 0600\n%s", c.Path, c.UID, c.GID, b)
	}
	// Output:
	// # /home/alice/.docker/config.json, owner 1000:1000, mode 0600
	// {
	// 	"auths": {
	// 		"registry.corp.example": {}
	// 	},
	// 	"proxies": {
	// 		"default": {
	// 			"httpProxy": "http://proxy.corp.example:3128",
	// 			"httpsProxy": "http://proxy.corp.example:3128"
	// 		}
	// 	}
	// }
}
