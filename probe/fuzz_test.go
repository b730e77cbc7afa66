package probe_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/proxykit/proxykit/probe"
)

// FuzzDiscover reads arbitrary /etc/environment, proxy.env and unit files:
// Discover never panics, and no result shows the password written in them.
func FuzzDiscover(f *testing.F) {
	f.Add([]byte("https_proxy=http://u:s3cret@p.example:3128\nno_proxy=.corp.example\n"),
		[]byte("[Service]\nEnvironment=\"JAVA_TOOL_OPTIONS=-Dhttps.proxyHost=j -Dhttp.nonProxyHosts=*.corp.example\"\nExecStart=/usr/bin/java -cp x Main\n"))
	f.Add([]byte("export HTTPS_PROXY='http://u:s3cret@[::1]:3128'\n"), []byte("[Service]\nEnvironment=HTTPS_PROXY=socks5://u:s3cret@p:1080\n"))
	f.Fuzz(func(t *testing.T, env, unit []byte) {
		fsys := fstest.MapFS{
			"etc/environment":                            {Data: env},
			"opt/mesosphere/etc/proxy.env":               {Data: env},
			"etc/systemd/system/docker.service":          {Data: unit},
			"etc/systemd/system/app.service":             {Data: unit},
			"etc/ssl/certs/ca-certificates.crt":          {Data: env},
			"etc/systemd/system/docker.service.d/x.conf": {Data: unit},
		}
		cs, err := probe.Discover(fsys, probe.Discovery{})
		if err != nil {
			return
		}
		target := &url.URL{Scheme: "https", Host: "corp.example"}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no connection: only the decision and the redaction count here
		for _, c := range cs {
			r := probe.Probe(ctx, c, target)
			if strings.Contains(r.String(), "s3cret") {
				t.Fatalf("the password shows: %s", r)
			}
		}
	})
}
