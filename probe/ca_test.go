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
	"github.com/proxykit/proxykit/truststore"
)

// TestFetchCAs: one result per source, URLs first, each trusted only with a
// wanted fingerprint, and each failure saying why.
func TestFetchCAs(t *testing.T) {
	clusterCA := cafetchtest.NewCA("DC/OS Root CA test-cluster")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	proxyCA := cafetchtest.NewCA("Corp Root CA")
	const user, pass = "svc", "s3cr3t-pw"
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{CA: proxyCA, Username: user, Password: pass})
	tunnel := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{})
	settings := func(proxy string) proxyenv.Settings {
		v := proxyenv.Values{Proxy: proxy}
		if strings.Contains(proxy, "@") {
			v.Password = proxyenv.NewSecret(pass)
		}
		s, err := proxyenv.FromValues(v)
		require.NoError(t, err)
		return s
	}
	clusterHost := strings.TrimPrefix(cluster.URL, "https://")
	withUser := func(u string) string { return strings.Replace(u, "http://", "http://"+user+"@", 1) }
	publicRoots := x509.NewCertPool()
	publicRoots.AddCert(clusterCA.Cert)

	tests := []struct {
		name     string
		req      probe.CARequest
		names    []string // each result's Name
		trusted  []*cafetchtest.CA
		errs     []error // nil where trusted
		mismatch bool    // the last error is a *MismatchError showing what was seen
	}{
		{"URL and proxy, both wanted",
			probe.CARequest{URLs: []string{cluster.URL}, ProxyTargets: []string{"registry.example.test"},
				Fingerprints: []truststore.Fingerprint{proxyCA.Fingerprint(), clusterCA.Fingerprint()}, Settings: settings(withUser(px.URL))},
			[]string{cluster.URL, "proxy http://svc:xxxxx@" + px.Addr + " for registry.example.test:443"},
			[]*cafetchtest.CA{clusterCA, proxyCA}, []error{nil, nil}, false},
		{"URL password redacted in the name",
			probe.CARequest{URLs: []string{"https://u:urlsecret@" + clusterHost}, Fingerprints: []truststore.Fingerprint{clusterCA.Fingerprint()}},
			[]string{"https://u:xxxxx@" + clusterHost}, []*cafetchtest.CA{clusterCA}, []error{nil}, false},
		{"proxy target without a proxy",
			probe.CARequest{ProxyTargets: []string{"registry.example.test"}, Fingerprints: []truststore.Fingerprint{proxyCA.Fingerprint()}},
			[]string{"registry.example.test"}, []*cafetchtest.CA{nil}, []error{probe.ErrNoProxy}, false},
		{"proxy CA not wanted",
			probe.CARequest{ProxyTargets: []string{"registry.example.test"}, Fingerprints: []truststore.Fingerprint{clusterCA.Fingerprint()}, Settings: settings(withUser(px.URL))},
			[]string{"proxy http://svc:xxxxx@" + px.Addr + " for registry.example.test:443"}, []*cafetchtest.CA{nil}, []error{probe.ErrMismatch}, true},
		{"proxy that does not intercept",
			probe.CARequest{ProxyTargets: []string{clusterHost}, Fingerprints: []truststore.Fingerprint{clusterCA.Fingerprint()}, Settings: settings(tunnel.URL),
				Options: probe.CAOptions{Roots: publicRoots}},
			[]string{"proxy " + tunnel.URL + " for " + clusterHost}, []*cafetchtest.CA{nil}, []error{probe.ErrNotIntercepted}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req.Options.Roots == nil {
				tt.req.Options.Roots = x509.NewCertPool()
			}
			got := probe.FetchCAs(testContext(t), tt.req)
			require.Len(t, got, len(tt.names))
			for i, f := range got {
				assert.Equal(t, tt.names[i], f.Name)
				if tt.errs[i] != nil {
					require.ErrorIs(t, f.Err, tt.errs[i])
					assert.Nil(t, f.Cert)
					assert.NotContains(t, f.Err.Error(), pass)
					continue
				}
				require.NoError(t, f.Err)
				assert.Equal(t, tt.trusted[i].Cert.Raw, f.Cert.DER())
				assert.Equal(t, i >= len(tt.req.URLs), f.FromProxy)
			}
			if tt.mismatch {
				var me *probe.MismatchError
				require.ErrorAs(t, got[len(got)-1].Err, &me)
				assert.Equal(t, []truststore.Fingerprint{proxyCA.Fingerprint()}, me.Got)
				assert.Equal(t, tt.req.Fingerprints, me.Want)
			}
		})
	}
}

// TestOfferTrust: an offer is trusted with its own fingerprint among those
// given, and refused with none, another, or when the chain verified.
func TestOfferTrust(t *testing.T) {
	root := cafetchtest.NewCA("Corp Root CA")
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{CA: root})
	o, err := probe.ProxyCA(testContext(t), mustProxy(t, px.URL), "example.test", probe.CAOptions{Roots: x509.NewCertPool()})
	require.NoError(t, err)
	other := cafetchtest.NewCA("Other").Fingerprint()

	ca, err := o.Trust(other, root.Fingerprint())
	require.NoError(t, err)
	assert.Equal(t, root.Cert.Raw, ca.DER())

	_, err = o.Trust()
	require.ErrorIs(t, err, probe.ErrNoFingerprint)
	assert.Contains(t, err.Error(), root.Fingerprint().String())
	_, err = o.Trust(truststore.Fingerprint{})
	require.ErrorIs(t, err, probe.ErrNoFingerprint, "a zero fingerprint is none")
	_, err = o.Trust(other)
	require.ErrorIs(t, err, probe.ErrMismatch)
	assert.Contains(t, err.Error(), "proxy "+px.URL+" for example.test:443")

	o.Verified = true
	_, err = o.Trust(root.Fingerprint())
	require.ErrorIs(t, err, probe.ErrNotIntercepted)
}
