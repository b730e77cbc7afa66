package probe_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/cafetchtest"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// testTimeout bounds every network call of these tests.
const testTimeout = 10 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestFetchCA(t *testing.T) {
	clusterCA := cafetchtest.NewCA("DC/OS Root CA test-cluster")
	other := cafetchtest.NewCA("Some Other CA")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	bundle := cafetchtest.NewCluster(t, clusterCA, append(append([]byte("# two certificates\n"), other.PEM()...), clusterCA.PEM()...))
	der := cafetchtest.NewCluster(t, clusterCA, clusterCA.Cert.Raw)
	garbage := cafetchtest.NewCluster(t, clusterCA, []byte("<html>login</html>"))

	tests := []struct {
		name string
		url  string
		want truststore.Fingerprint
		err  error                    // nil when the CA is returned
		got  []truststore.Fingerprint // fingerprints a *MismatchError must carry
	}{
		{"right fingerprint is trusted", cluster.URL + probe.DCOSCAPath, clusterCA.Fingerprint(), nil, nil},
		{"URL without path fetches the DC/OS CA", cluster.URL, clusterCA.Fingerprint(), nil, nil},
		{"bare cluster address is https", strings.TrimPrefix(cluster.URL, "https://"), clusterCA.Fingerprint(), nil, nil},
		{"DER body", der.URL, clusterCA.Fingerprint(), nil, nil},
		{"fingerprint picks one of a bundle", bundle.URL, clusterCA.Fingerprint(), nil, nil},
		{"wrong fingerprint is refused", cluster.URL, other.Fingerprint(), probe.ErrMismatch, []truststore.Fingerprint{clusterCA.Fingerprint()}},
		{"no fingerprint is refused and shows it", cluster.URL, truststore.Fingerprint{}, probe.ErrNoFingerprint, []truststore.Fingerprint{clusterCA.Fingerprint()}},
		{"bundle without the fingerprint shows all", bundle.URL, truststore.FingerprintOf([]byte("x")), probe.ErrMismatch, []truststore.Fingerprint{other.Fingerprint(), clusterCA.Fingerprint()}},
		{"no certificate in body", garbage.URL, clusterCA.Fingerprint(), probe.ErrNoCertificate, nil},
		{"not found", cluster.URL + "/ca/missing.crt", clusterCA.Fingerprint(), probe.ErrStatus, nil},
		{"unsupported scheme", "ftp://127.0.0.1/ca.crt", clusterCA.Fingerprint(), probe.ErrURL, nil},
		{"empty URL", " ", clusterCA.Fingerprint(), probe.ErrURL, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca, err := probe.FetchCA(testContext(t), tt.url, probe.CAOptions{}, tt.want)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Nil(t, ca)
				if tt.got != nil {
					var me *probe.MismatchError
					require.ErrorAs(t, err, &me)
					assert.Equal(t, tt.got, me.Got)
					for _, f := range tt.got {
						assert.Contains(t, err.Error(), f.String(), "the error shows every fingerprint seen")
					}
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, clusterCA.Cert.Raw, ca.DER())
		})
	}
}

func TestFetchCAThroughProxy(t *testing.T) {
	clusterCA := cafetchtest.NewCA("DC/OS Root CA test-cluster")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	const user, pass = "svc@corp", "p%ss:w@rd$1"
	tunnel := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{Username: user, Password: pass})

	t.Run("credentials reach the proxy", func(t *testing.T) {
		p := mustProxy(t, tunnel.URL)
		p.Username, p.Password = user, proxyenv.NewSecret(pass)
		ca, err := probe.FetchCA(testContext(t), cluster.URL, via(p), clusterCA.Fingerprint())
		require.NoError(t, err)
		assert.Equal(t, clusterCA.Cert.Raw, ca.DER())
		assert.Contains(t, tunnel.Requests(), "CONNECT "+strings.TrimPrefix(cluster.URL, "https://")+" 200")
	})
	t.Run("wrong credentials fail without showing them", func(t *testing.T) {
		p := mustProxy(t, tunnel.URL)
		p.Username, p.Password = user, proxyenv.NewSecret("not-"+pass)
		_, err := probe.FetchCA(testContext(t), "https://u:urlsecret@"+strings.TrimPrefix(cluster.URL, "https://"), via(p), clusterCA.Fingerprint())
		require.Error(t, err)
		assert.NotContains(t, err.Error(), pass)
		assert.NotContains(t, err.Error(), "urlsecret")
	})
	t.Run("socks4 is refused", func(t *testing.T) {
		p := mustProxy(t, "socks4://127.0.0.1:1")
		_, err := probe.FetchCA(testContext(t), cluster.URL, via(p), clusterCA.Fingerprint())
		require.ErrorIs(t, err, probe.ErrProxyScheme)
	})
}

func TestFetchCAIsBounded(t *testing.T) {
	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Run("timeout option", func(t *testing.T) {
		_, err := probe.FetchCA(testContext(t), "https://"+ln.Addr().String(), probe.CAOptions{Timeout: 200 * time.Millisecond})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := probe.FetchCA(ctx, "https://"+ln.Addr().String(), probe.CAOptions{})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("response size", func(t *testing.T) {
		big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(make([]byte, probe.MaxCASize+10))
		}))
		t.Cleanup(big.Close)
		_, err := probe.FetchCA(testContext(t), big.URL+"/ca.crt", probe.CAOptions{})
		require.ErrorIs(t, err, probe.ErrTooLarge)
	})
}

// via returns options that fetch through p, whatever the URL.
func via(p proxyenv.Proxy) probe.CAOptions {
	return probe.CAOptions{Proxy: func(*url.URL) (*url.URL, error) { return p.URL(), nil }}
}

func mustProxy(t *testing.T, s string) proxyenv.Proxy {
	t.Helper()
	p, err := proxyenv.ParseProxy(s)
	require.NoError(t, err)
	return p
}
