package squidtest_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/squidtest"
)

// TestSquid checks the harness against Go's own client: squid intercepts
// with its CA, wants the password on one port and none on the other, and
// reaches the origin by the name its hosts_file pins.
func TestSquid(t *testing.T) {
	s := squidtest.Start(t, squidtest.Options{})
	trust := x509.NewCertPool()
	trust.AddCert(s.CA)
	origin := x509.NewCertPool()
	origin.AddCert(s.OriginCA)

	for _, tc := range []struct {
		name   string
		proxy  string
		roots  *x509.CertPool
		status int    // 0: the request fails
		err    string // the error's text, when it fails
	}{
		{"authenticated, trusting the proxy CA", s.ProxyURL(squidtest.User, squidtest.Password), trust, http.StatusOK, ""},
		{"open port without credentials", s.OpenURL, trust, http.StatusOK, ""},
		{"no credentials on the authenticating port", s.AuthURL, trust, 0, "Proxy Authentication Required"},
		{"wrong password", s.ProxyURL(squidtest.User, "wrong"), trust, 0, "Proxy Authentication Required"},
		{"trusting only the origin's CA", s.OpenURL, origin, 0, "x509: certificate signed by unknown authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, body, err := squidtest.Get(ctx, tc.proxy, tc.roots, s.OriginURL)
			if tc.status == 0 {
				require.Error(t, err)
				require.Contains(t, err.Error(), tc.err)
				require.NotContains(t, err.Error(), squidtest.Password)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode)
			require.Equal(t, squidtest.OriginBody, string(body))
		})
	}
	require.Contains(t, s.AccessLog(), "CONNECT")
}
