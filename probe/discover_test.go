package probe_test

import (
	"os"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
)

// TestDiscover finds each consumer configuration of a Debian node with the
// settings its client reads and the store it trusts.
func TestDiscover(t *testing.T) {
	root, err := os.ReadFile("../truststore/testdata/certifi-isrg-root-x1.pem")
	require.NoError(t, err)
	fsys := fstest.MapFS{
		"etc/os-release":                    {Data: []byte("ID=debian\n")},
		"etc/ssl/certs/ca-certificates.crt": {Data: root},
		"usr/lib/systemd/system/docker.service": {Data: []byte(
			"[Service]\nEnvironment=HTTPS_PROXY=http://unit.example:3128\nExecStart=/usr/bin/dockerd\n")},
		"etc/systemd/system/docker.service.d/http-proxy.conf": {Data: []byte(
			"[Service]\nEnvironment=\"HTTPS_PROXY=http://svc:pw@dropin.example:3128\" NO_PROXY=.corp.example\n")},
		"etc/environment": {Data: []byte("LANG=C\nhttps_proxy=\"http://env.example:8080\"\nno_proxy=localhost\n")},
		"etc/systemd/system/app.service": {Data: []byte("[Service]\nEnvironment=JAVA_HOME=/opt/jdk\n" +
			"Environment=\"JAVA_TOOL_OPTIONS=-Dhttps.proxyHost=java.example -Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=*.corp.example\"\n" +
			"ExecStart=/opt/app/start.sh\n")},
		"etc/systemd/system/web.service": {Data: []byte("[Service]\nExecStart=/usr/bin/nginx\n")},
	}
	cs, err := probe.Discover(fsys, probe.Discovery{})
	require.NoError(t, err)
	type row struct {
		name, client, proxy, noProxy, store, problem string
	}
	var got []row
	for _, c := range cs {
		r := row{name: c.Name, client: c.Client.String(), store: c.Store, noProxy: c.Settings.NoProxy.String(), problem: c.StoreProblem}
		if c.Settings.HTTPSProxy != nil {
			r.proxy = c.Settings.HTTPSProxy.String()
		}
		got = append(got, r)
	}
	require.Equal(t, []row{
		{"docker.service", "go", "http://svc:xxxxx@dropin.example:3128", ".corp.example", "/etc/ssl/certs/ca-certificates.crt", ""},
		{"/etc/environment", "curl", "http://env.example:8080", "localhost", "/etc/ssl/certs/ca-certificates.crt", ""},
		{"app.service (Java properties)", "java", "http://java.example:3128", "*.corp.example", "", "cannot tell the JRE of /opt/jdk/bin/java"},
		{"trust store /etc/ssl/certs/ca-certificates.crt", "curl", "http://env.example:8080", "localhost", "/etc/ssl/certs/ca-certificates.crt", ""},
	}, got)
	require.Equal(t, proxyenv.Java, cs[2].Client)
	require.Len(t, cs[0].Roots, 1, "the system bundle's certificate")
}
