package probe_test

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/cafetchtest"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
)

func TestProxyCA(t *testing.T) {
	root := cafetchtest.NewCA("Corp Root CA")
	issuing := root.NewIntermediate("Corp Proxy Issuing CA")
	const user, pass = "svc", "s3cr3t:@%"

	tests := []struct {
		name       string
		cfg        cafetchtest.ProxyConfig
		want       *cafetchtest.CA // the CA offered
		chainLen   int
		selfSigned bool
		warnings   []string // substrings, one per warning
	}{
		{"root presented is offered", cafetchtest.ProxyConfig{CA: issuing}, root, 3, true, nil},
		{"root signing directly", cafetchtest.ProxyConfig{CA: root}, root, 2, true, nil},
		{"chain out of order", cafetchtest.ProxyConfig{CA: issuing, Present: []*x509.Certificate{root.Cert, issuing.Cert}}, root, 3, true, nil},
		{"root missing offers the top-most", cafetchtest.ProxyConfig{CA: issuing, Present: []*x509.Certificate{issuing.Cert}}, issuing, 2, false,
			[]string{"does not end in a self-signed root"}},
		{"unrelated certificate is reported", cafetchtest.ProxyConfig{CA: root, Present: []*x509.Certificate{root.Cert, cafetchtest.NewCA("Stray").Cert}}, root, 2, true,
			[]string{"not part of the chain"}},
		{"with credentials", cafetchtest.ProxyConfig{CA: issuing, Username: user, Password: pass}, root, 3, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px := cafetchtest.NewProxy(t, tt.cfg)
			p := mustProxy(t, px.URL)
			p.Username, p.Password = user, proxyenv.NewSecret(pass)
			o, err := probe.ProxyCA(testContext(t), p, "registry.example.test", probe.CAOptions{Roots: x509.NewCertPool()})
			require.NoError(t, err)
			assert.Equal(t, tt.want.Cert.Raw, o.CA.DER())
			assert.Equal(t, tt.want.Fingerprint(), o.CA.Fingerprint())
			assert.Equal(t, "registry.example.test:443", o.Target)
			assert.Len(t, o.Chain, tt.chainLen)
			assert.Equal(t, tt.selfSigned, o.SelfSigned)
			assert.False(t, o.Verified)
			require.Len(t, o.Warnings, len(tt.warnings), "warnings: %q", o.Warnings)
			for i, w := range tt.warnings {
				assert.Contains(t, o.Warnings[i], w)
			}
			assert.Equal(t, tt.want.PEM(), o.CA.PEM())
			assert.Equal(t, []string{"CONNECT registry.example.test:443 200"}, px.Requests())
		})
	}
}

func TestProxyCALeafOnly(t *testing.T) {
	root := cafetchtest.NewCA("Corp Root CA")
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{CA: root, LeafOnly: true})
	o, err := probe.ProxyCA(testContext(t), mustProxy(t, px.URL), "example.test:8443", probe.CAOptions{Roots: x509.NewCertPool()})
	require.NoError(t, err)
	assert.Equal(t, "example.test", o.CA.Label())
	assert.False(t, o.SelfSigned)
	require.Len(t, o.Warnings, 2)
	assert.Contains(t, o.Warnings[1], "not a CA certificate")
}

func TestProxyCAPassThrough(t *testing.T) {
	// A proxy that does not intercept: the chain is the server's own and
	// verifies against the roots.
	clusterCA := cafetchtest.NewCA("Public-ish Root")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{})
	roots := x509.NewCertPool()
	roots.AddCert(clusterCA.Cert)
	o, err := probe.ProxyCA(testContext(t), mustProxy(t, px.URL), strings.TrimPrefix(cluster.URL, "https://"), probe.CAOptions{Roots: roots})
	require.NoError(t, err)
	assert.True(t, o.Verified)
	require.NotEmpty(t, o.Warnings)
	assert.Contains(t, o.Warnings[len(o.Warnings)-1], "does not intercept")
}

func TestProxyCAErrors(t *testing.T) {
	root := cafetchtest.NewCA("Corp Root CA")
	const pass = "hunter2-secret"
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{CA: root, Username: "u", Password: pass})
	tunnel := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{})

	withCreds := func(s, user, password string) proxyenv.Proxy {
		p := mustProxy(t, s)
		p.Username, p.Password = user, proxyenv.NewSecret(password)
		return p
	}
	tests := []struct {
		name   string
		proxy  proxyenv.Proxy
		target string
		err    error
	}{
		{"no credentials", mustProxy(t, px.URL), "example.test", probe.ErrProxyAuth},
		{"wrong password", withCreds(px.URL, "u", "wrong-"+pass), "example.test", probe.ErrProxyAuth},
		{"tunnel refuses non-loopback", mustProxy(t, tunnel.URL), "example.test", probe.ErrConnect},
		{"socks proxy", mustProxy(t, "socks5://127.0.0.1:1"), "example.test", probe.ErrProxyScheme},
		{"bad target", mustProxy(t, px.URL), "https://example.test/", probe.ErrURL},
		{"empty target", mustProxy(t, px.URL), "", probe.ErrURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := probe.ProxyCA(testContext(t), tt.proxy, tt.target, probe.CAOptions{})
			require.ErrorIs(t, err, tt.err)
			assert.NotContains(t, err.Error(), pass)
		})
	}
}
