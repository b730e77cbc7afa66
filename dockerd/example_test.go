package dockerd_test

import (
	"fmt"
	"testing/fstest"

	"github.com/proxykit/proxykit/dockerd"
	"github.com/proxykit/proxykit/proxyenv"
)

// The daemon's proxy on a Docker host whose daemon.json still holds an old
// proxy: the drop-in is written and daemon.json cleaned, since its proxies
// would win over the drop-in's environment.
func ExampleChanges() {
	node := fstest.MapFS{
		"lib/systemd/system/docker.service": {Data: []byte("[Service]\nExecStart=/usr/bin/dockerd -H fd://\n")},
		"etc/docker/daemon.json":            {Data: []byte(`{"proxies": {"http-proxy": "http://old-proxy:8080"}}`)},
	}
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.corp.example:3128", NoProxy: ".corp.example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := dockerd.Changes(node, s, dockerd.InDropIn)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Changes {
		old := node[c.Path]
		var b []byte
		if old != nil {
			b = old.Data
		}
		b, err := c.Edit(b)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("# /%s (%s, daemon-reload: %t)\n%s\n", c.Path, c.Why, c.Reload, b)
	}
	for _, w := range plan.Warnings {
		fmt.Println("warning:", w)
	}
	v, _ := plan.After.Lookup("HTTPS_PROXY")
	fmt.Printf("after: %s from /%s\n", v, v.File)
	// Output:
	// # /etc/docker/daemon.json (proxy moved to the drop-in, daemon-reload: false)
	// {}
	// # /etc/systemd/system/docker.service.d/http-proxy.conf (the daemon's proxy (drop-in of docker.service), daemon-reload: true)
	// [Service]
	// Environment="HTTP_PROXY=http://proxy.corp.example:3128"
	// Environment="http_proxy=http://proxy.corp.example:3128"
	// Environment="HTTPS_PROXY=http://proxy.corp.example:3128"
	// Environment="https_proxy=http://proxy.corp.example:3128"
	// Environment="NO_PROXY=.corp.example"
	// Environment="no_proxy=.corp.example"
	//
	// warning: /etc/docker/daemon.json: its "proxies" are removed: they would override the drop-in's environment
	// after: HTTPS_PROXY=http://proxy.corp.example:3128 from /etc/systemd/system/docker.service.d/http-proxy.conf
}

func ExampleRegistryCAPath() {
	p, err := dockerd.RegistryCAPath("registry.corp.example:5000")
	fmt.Println(p, err)
	_, err = dockerd.RegistryCAPath("registry.corp.example/library")
	fmt.Println(err)
	// Output:
	// etc/docker/certs.d/registry.corp.example:5000/ca.crt <nil>
	// invalid registry "registry.corp.example/library": want HOST or HOST:PORT, as in the image name
}

// The proxy dockerd gets today, read back as settings: daemon.json's
// proxies win over the drop-in's environment.
func ExampleEnvironment() {
	node := fstest.MapFS{
		"lib/systemd/system/docker.service": {Data: []byte("[Service]\nExecStart=/usr/bin/dockerd -H fd://\n")},
		"etc/systemd/system/docker.service.d/http-proxy.conf": {Data: []byte(
			"[Service]\nEnvironment=HTTPS_PROXY=http://old-proxy:8080 NO_PROXY=.corp.example\n")},
		"etc/docker/daemon.json": {Data: []byte(`{"proxies": {"https-proxy": "http://proxy.corp.example:3128"}}`)},
	}
	env, ok, err := dockerd.Environment(node)
	if err != nil || !ok {
		fmt.Println(ok, err)
		return
	}
	fmt.Println(env)
	s, _, err := proxyenv.FromEnvironment(env)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.HTTPSProxy, s.NoProxy)
	// Output:
	// [https_proxy=http://proxy.corp.example:3128 NO_PROXY=.corp.example]
	// http://proxy.corp.example:3128 .corp.example
}
