package dockerhost

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/internal/cafetchtest"
	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

// netTimeout bounds every network step of these tests.
const netTimeout = 10 * time.Second

// runTest runs docker-host with no proxy password in its environment.
func runTest(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := node.Env{Getenv: func(string) string { return "" }}
	code = runEnv(env, args, &out, &errb)
	return code, out.String(), errb.String()
}

// fixture copies a fixture root into a temporary directory.
func fixture(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "root")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, writeSample(dir, name))
	return dir
}

// get fetches url through the proxy, trusting the CAs of the PEM bundle.
func get(t *testing.T, proxy, bundle, target string) (string, error) {
	t.Helper()
	pem, err := os.ReadFile(bundle)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem), "no certificate in %s", bundle)
	pu, err := url.Parse(proxy)
	require.NoError(t, err)
	tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(t.Context(), netTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// curlGet fetches target through proxy with curl (the oracle), trusting the
// bundle only.
func curlGet(t *testing.T, curl, proxy, bundle, target string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), netTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, curl, "-sS", "--max-time", "10", "--noproxy", "", "-x", proxy, "--cacert", bundle, target)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestCAFromProxyIsTrustedAfterApply discovers an intercepting proxy's CA
// with -ca-from-proxy on an image root: refused without the fingerprint
// (which it prints, writing nothing), applied with it; the system bundle and
// conda's bundle written then make a Go client and curl accept the proxy's
// re-signed certificates, which they refused before.
func TestCAFromProxyIsTrustedAfterApply(t *testing.T) {
	rootCA := cafetchtest.NewCA("Corp TLS Inspection Root")
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{CA: rootCA.NewIntermediate("Corp TLS Inspection Issuing CA")})
	dir := fixture(t, "image")
	system := filepath.Join(dir, "etc/ssl/certs/ca-certificates.crt")
	condaBundle := filepath.Join(dir, "conda/ssl/cacert.pem")
	const target = "https://files.example.test/pkg.tar.gz"

	for _, b := range []string{system, condaBundle} {
		_, err := get(t, px.URL, b, target)
		var ua x509.UnknownAuthorityError
		require.ErrorAs(t, err, &ua, "before apply, %s must not trust the proxy", b)
	}
	curl, haveCurl := "", false
	if p, err := exec.LookPath("curl"); err == nil {
		curl, haveCurl = p, true
		out, err := curlGet(t, curl, px.URL, system, target)
		require.Error(t, err, "before apply curl must refuse the proxy: %s", out)
	}

	args := []string{"-image", "-root", dir, "-proxy", px.URL, "-ca-from-proxy", "files.example.test"}
	code, stdout, stderr := runTest(t, append(args, "apply")...)
	assert.Equal(t, node.ExitError, code, stdout)
	t.Logf("without -fingerprint:\n%s", stderr)
	fp := rootCA.Fingerprint().String()
	assert.Contains(t, stderr, fp, "the fingerprint is printed for comparison")
	assert.Contains(t, stderr, "Corp TLS Inspection Issuing CA")
	_, err := os.Stat(filepath.Join(dir, "var/lib/proxykit"))
	assert.True(t, errors.Is(err, os.ErrNotExist), "a refused CA writes nothing")

	pasted := strings.ToLower(strings.ReplaceAll(fp, ":", " "))
	code, stdout, stderr = runTest(t, append(args, "-fingerprint", pasted, "apply")...)
	require.Equal(t, node.ExitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, fp, "the fingerprint is in a note")

	for _, b := range []string{system, condaBundle} {
		body, err := get(t, px.URL, b, target)
		require.NoError(t, err, "after apply, %s trusts the proxy", b)
		assert.Equal(t, "intercepted https://files.example.test/pkg.tar.gz\n", body)
		if haveCurl {
			out, err := curlGet(t, curl, px.URL, b, target)
			require.NoError(t, err, "curl with %s: %s", b, out)
		}
	}
	if haveCurl {
		t.Log(oracle.Version(curl))
	} else if os.Getenv(oracle.EnvRequire) != "" {
		t.Fatal("oracle curl is required but missing")
	}
}

// TestCAURL fetches a cluster's CA from /ca/dcos-ca.crt: trusted with the
// right fingerprint (written to certs.d for a registry), refused with a
// wrong one, whose error shows the real fingerprint.
func TestCAURL(t *testing.T) {
	clusterCA := cafetchtest.NewCA("DC/OS Root CA 4f5b2e")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	other := cafetchtest.NewCA("Someone Else")
	dir := fixture(t, "host")
	args := []string{"-root", dir, "-proxy", "http://proxy.corp.example:3128", "-no-proxy", "127.0.0.1,localhost",
		"-ca-url", cluster.URL, "-registry", "127.0.0.1:5000", "-no-actions"}

	code, _, stderr := runTest(t, append(args, "-fingerprint", other.Fingerprint().String(), "apply")...)
	assert.Equal(t, node.ExitError, code)
	assert.Contains(t, stderr, "fingerprint does not match")
	assert.Contains(t, stderr, clusterCA.Fingerprint().String())
	assert.NoFileExists(t, filepath.Join(dir, "etc/docker/certs.d/127.0.0.1:5000/ca.crt"))

	code, stdout, stderr := runTest(t, append(args, "-fingerprint", clusterCA.Fingerprint().String(), "apply")...)
	require.Equal(t, node.ExitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, clusterCA.Fingerprint().String(), "the fingerprint is in a note")
	got, err := os.ReadFile(filepath.Join(dir, "etc/docker/certs.d/127.0.0.1:5000/ca.crt"))
	require.NoError(t, err)
	assert.Equal(t, string(clusterCA.PEM()), string(got))
}

// TestCAFromProxyWithCredentials discovers the CA through a proxy that
// wants a user and password: the password, given in the environment, goes
// to the proxy only, never to the output.
func TestCAFromProxyWithCredentials(t *testing.T) {
	const user, pass = "svc-docker", `p@ss:w%rd$1`
	rootCA := cafetchtest.NewCA("Corp Auth Proxy Root")
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{CA: rootCA, Username: user, Password: pass})
	dir := fixture(t, "image")
	proxy := strings.Replace(px.URL, "http://", "http://"+user+"@", 1)
	args := []string{"-image", "-root", dir, "-proxy", proxy, "-ca-from-proxy", "files.example.test",
		"-fingerprint", rootCA.Fingerprint().String(), "plan"}

	var out, errb bytes.Buffer
	env := node.Env{Getenv: func(k string) string {
		if k == node.EnvProxyPassword {
			return pass
		}
		return ""
	}}
	code := runEnv(env, args, &out, &errb)
	require.Equal(t, node.ExitPending, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	assert.Contains(t, px.Requests(), "CONNECT files.example.test:443 200")
	for _, s := range []string{pass, url.QueryEscape(pass), url.PathEscape(pass), proxyenv.EscapeUserinfo(pass)} {
		assert.NotContains(t, out.String()+errb.String(), s)
	}

	code, _, stderr := runTest(t, args...) // no password: refused before asking the proxy
	assert.Equal(t, node.ExitError, code)
	assert.Contains(t, stderr, "names the user \"svc-docker\" but no password was given")
	code, _, stderr = runTest(t, append([]string{"-no-password"}, args...)...) // none wanted: the proxy says 407
	assert.Equal(t, node.ExitError, code)
	assert.Contains(t, stderr, "proxy authentication required")
}
