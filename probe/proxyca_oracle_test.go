package probe_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/cafetchtest"
	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/probe"
)

// TestOfferedCAIsTheOneClientsNeed checks that the CA discovered through an
// intercepting proxy is what makes curl and Go's client accept the proxy's
// re-signed certificates, and that they refuse them without it.
func TestOfferedCAIsTheOneClientsNeed(t *testing.T) {
	curl := oracle.Require(t, "curl")
	t.Log(oracle.Version(curl))
	root := cafetchtest.NewCA("Corp Root CA")
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{CA: root.NewIntermediate("Corp Issuing CA")})
	o, err := probe.ProxyCA(testContext(t), mustProxy(t, px.URL), "downloads.example.test", probe.CAOptions{Roots: x509.NewCertPool()})
	require.NoError(t, err)

	dir := t.TempDir()
	offered := filepath.Join(dir, "offered.pem")
	other := filepath.Join(dir, "other.pem")
	require.NoError(t, os.WriteFile(offered, o.CA.PEM(), 0o644))
	require.NoError(t, os.WriteFile(other, cafetchtest.NewCA("Unrelated CA").PEM(), 0o644))

	const target = "https://downloads.example.test/file"
	curlGet := func(cafile string) (string, error) {
		cmd := exec.CommandContext(testContext(t), curl, "-sS", "--max-time", "10", "--noproxy", "", "-x", px.URL, "--cacert", cafile, target)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := curlGet(offered)
	require.NoError(t, err, out)
	assert.Equal(t, "intercepted https://downloads.example.test/file\n", out)
	out, err = curlGet(other)
	require.Error(t, err, "curl must refuse the proxy's certificate without its CA")
	assert.Contains(t, out, "SSL certificate problem")

	goGet := func(ca *x509.Certificate) (string, error) {
		pool := x509.NewCertPool()
		pool.AddCert(ca)
		pu, _ := url.Parse(px.URL)
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: pool}}}
		req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, target, nil)
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	body, err := goGet(o.CA.X509())
	require.NoError(t, err)
	assert.Equal(t, "intercepted https://downloads.example.test/file\n", body)
	_, err = goGet(cafetchtest.NewCA("Unrelated CA").Cert)
	require.Error(t, err)
	var uerr x509.UnknownAuthorityError
	require.ErrorAs(t, err, &uerr)
}
