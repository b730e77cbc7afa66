package cafetch_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/cafetch"
	"github.com/proxykit/proxykit/examples/internal/cafetch/cafetchtest"
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

func TestFromURL(t *testing.T) {
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
		{"right fingerprint is trusted", cluster.URL + cafetch.DCOSCAPath, clusterCA.Fingerprint(), nil, nil},
		{"URL without path fetches the DC/OS CA", cluster.URL, clusterCA.Fingerprint(), nil, nil},
		{"bare cluster address is https", strings.TrimPrefix(cluster.URL, "https://"), clusterCA.Fingerprint(), nil, nil},
		{"DER body", der.URL, clusterCA.Fingerprint(), nil, nil},
		{"fingerprint picks one of a bundle", bundle.URL, clusterCA.Fingerprint(), nil, nil},
		{"wrong fingerprint is refused", cluster.URL, other.Fingerprint(), cafetch.ErrMismatch, []truststore.Fingerprint{clusterCA.Fingerprint()}},
		{"no fingerprint is refused and shows it", cluster.URL, truststore.Fingerprint{}, cafetch.ErrNoFingerprint, []truststore.Fingerprint{clusterCA.Fingerprint()}},
		{"bundle without the fingerprint shows all", bundle.URL, truststore.FingerprintOf([]byte("x")), cafetch.ErrMismatch, []truststore.Fingerprint{other.Fingerprint(), clusterCA.Fingerprint()}},
		{"no certificate in body", garbage.URL, clusterCA.Fingerprint(), cafetch.ErrNoCertificate, nil},
		{"not found", cluster.URL + "/ca/missing.crt", clusterCA.Fingerprint(), cafetch.ErrStatus, nil},
		{"unsupported scheme", "ftp://127.0.0.1/ca.crt", clusterCA.Fingerprint(), cafetch.ErrURL, nil},
		{"empty URL", " ", clusterCA.Fingerprint(), cafetch.ErrURL, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca, err := cafetch.FromURL(testContext(t), tt.url, tt.want)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.Nil(t, ca)
				if tt.got != nil {
					var me *cafetch.MismatchError
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

func TestFromURLThroughProxy(t *testing.T) {
	clusterCA := cafetchtest.NewCA("DC/OS Root CA test-cluster")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	const user, pass = "svc@corp", "p%ss:w@rd$1"
	tunnel := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{Username: user, Password: pass})

	t.Run("credentials reach the proxy", func(t *testing.T) {
		p := mustProxy(t, tunnel.URL)
		p.Username, p.Password = user, proxyenv.NewSecret(pass)
		ca, err := cafetch.FromURL(testContext(t), cluster.URL, clusterCA.Fingerprint(), cafetch.WithProxy(p))
		require.NoError(t, err)
		assert.Equal(t, clusterCA.Cert.Raw, ca.DER())
		assert.Contains(t, tunnel.Requests(), "CONNECT "+strings.TrimPrefix(cluster.URL, "https://")+" 200")
	})
	t.Run("wrong credentials fail without showing them", func(t *testing.T) {
		p := mustProxy(t, tunnel.URL)
		p.Username, p.Password = user, proxyenv.NewSecret("not-"+pass)
		_, err := cafetch.FromURL(testContext(t), "https://u:urlsecret@"+strings.TrimPrefix(cluster.URL, "https://"), clusterCA.Fingerprint(), cafetch.WithProxy(p))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), pass)
		assert.NotContains(t, err.Error(), "urlsecret")
	})
	t.Run("socks4 is refused", func(t *testing.T) {
		p := mustProxy(t, "socks4://127.0.0.1:1")
		_, err := cafetch.FromURL(testContext(t), cluster.URL, clusterCA.Fingerprint(), cafetch.WithProxy(p))
		require.ErrorIs(t, err, cafetch.ErrProxyScheme)
	})
}

func TestFromURLIsBounded(t *testing.T) {
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
		_, err := cafetch.FromURL(testContext(t), "https://"+ln.Addr().String(), truststore.Fingerprint{}, cafetch.WithTimeout(200*time.Millisecond))
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := cafetch.FromURL(ctx, "https://"+ln.Addr().String(), truststore.Fingerprint{})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("response size", func(t *testing.T) {
		big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(make([]byte, cafetch.MaxResponse+10))
		}))
		t.Cleanup(big.Close)
		_, err := cafetch.FromURL(testContext(t), big.URL+"/ca.crt", truststore.Fingerprint{})
		require.ErrorIs(t, err, cafetch.ErrTooLarge)
	})
}

func mustProxy(t *testing.T, s string) proxyenv.Proxy {
	t.Helper()
	p, err := proxyenv.ParseProxy(s)
	require.NoError(t, err)
	return p
}
