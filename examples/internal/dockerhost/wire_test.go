package dockerhost

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/internal/squidtest"
	"github.com/proxykit/proxykit/internal/wiretest"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// TestWire proves the sample Docker host's configuration on the wire, the
// way dockerd meets it: Go's net/http with the environment systemd gives
// docker.service (its unit and drop-ins, read with systemdunit) and
// SSL_CERT_FILE naming the system bundle that apply's follow-up command,
// Debian's real update-ca-certificates run inside the root, writes. The
// origin's name resolves only inside squid, so reaching it means going
// through squid. It fails before apply, succeeds after, and a wrong password
// gives Go's diagnosis of the 407.
func TestWire(t *testing.T) {
	s := squidtest.Start(t, squidtest.Options{})
	u, err := url.Parse(s.AuthURL)
	require.NoError(t, err)
	u.User = url.User(squidtest.User)
	proxy := u.String()

	dockerd := func(t *testing.T, root string) (string, error) {
		env := append(wiretest.UnitEnv(t, root, "docker.service"), daemonJSONEnv(t, root)...)
		env = append(env, "SSL_CERT_FILE="+wiretest.UpdateCACertificates(t, root))
		return wiretest.GoClient(t, env, s.OriginURL)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"drop-in with Environment=", nil},
		{"daemon.json", []string{"-daemon-json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := wireSample(t)
			out, err := dockerd(t, root)
			require.Error(t, err, "before apply the client reached the origin:\n%s", out)
			t.Logf("before apply: %s", out)

			wireApply(t, root, proxy, squidtest.Password, append([]string{"-ca", s.CAFile}, tc.args...)...)
			out, err = dockerd(t, root)
			require.NoError(t, err, "after apply:\n%s\nsquid access.log:\n%s", out, s.AccessLog())
			require.Equal(t, squidtest.OriginBody, out)

			wrong := wireSample(t)
			wireApply(t, wrong, proxy, "not the password", append([]string{"-ca", s.CAFile}, tc.args...)...)
			out, err = dockerd(t, wrong)
			require.Error(t, err)
			require.True(t, wiretest.Has407(out), "the diagnosis does not say 407:\n%s", out)
		})
	}
}

// daemonJSONEnv returns the proxy settings of /etc/docker/daemon.json under
// root as the variables Docker 23+ sets them in its own environment: its
// "proxies" take precedence over the unit's environment.
func daemonJSONEnv(t *testing.T, root string) []string {
	var cfg struct {
		Proxies struct {
			HTTP    string `json:"http-proxy"`
			HTTPS   string `json:"https-proxy"`
			NoProxy string `json:"no-proxy"`
		} `json:"proxies"`
	}
	data := wiretest.ReadFile(t, root, "/etc/docker/daemon.json")
	if len(data) == 0 {
		return nil
	}
	require.NoError(t, json.Unmarshal(data, &cfg))
	var env []string
	for k, v := range map[string]string{"HTTP_PROXY": cfg.Proxies.HTTP, "HTTPS_PROXY": cfg.Proxies.HTTPS, "NO_PROXY": cfg.Proxies.NoProxy} {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// TestWireProbe checks "verify -probe" against the same squid, on the
// sample host: unknown authority (with squid's CA fingerprint) once the
// proxy is set but not its CA; every consumer ok once the CA is applied and
// the system bundle rebuilt; 407 with a wrong password; bypassed for a host
// of the no-proxy list. No password in any output.
func TestWireProbe(t *testing.T) {
	s := squidtest.Start(t, squidtest.Options{})
	u, err := url.Parse(s.AuthURL)
	require.NoError(t, err)
	u.User = url.User(squidtest.User)
	proxy := u.String()
	caFP := truststore.FingerprintOf(s.CA.Raw).String()

	statuses := func(r *node.Report) map[string]probe.Status {
		m := map[string]probe.Status{}
		for _, p := range r.Probes {
			m[p.Consumer] = p.Status
		}
		return m
	}

	root := wireSample(t)
	wireApply(t, root, proxy, squidtest.Password) // the proxy, not yet its CA
	code, r, out := wireProbe(t, root, s.OriginURL)
	require.Equal(t, node.ExitPending, code, out)
	require.Equal(t, probe.UnknownAuthority, statuses(r)["docker.service"], out)
	for _, p := range r.Probes {
		if p.Status == probe.UnknownAuthority {
			require.Equal(t, caFP, p.Fingerprint, "the proxy CA's fingerprint, for -ca-from-proxy: %s", p)
		}
	}
	require.Contains(t, out, "unknown authority: docker.service (go, trusting /etc/ssl/certs/ca-certificates.crt) via "+
		strings.Replace(proxy, "@", ":xxxxx@", 1)+": issuer \""+s.CA.Subject.String()+"\", SHA-256 "+caFP)

	wireApply(t, root, proxy, squidtest.Password, "-ca", s.CAFile)
	wiretest.UpdateCACertificates(t, root) // apply's follow-up on a live host
	code, r, out = wireProbe(t, root, s.OriginURL)
	require.Equal(t, node.ExitOK, code, out)
	require.Contains(t, out, "all 4 probes ok")
	require.Equal(t, map[string]probe.Status{
		"docker.service": probe.OK,
		"trust store /etc/ssl/certs/ca-certificates.crt":                         probe.OK,
		"trust store /opt/conda/ssl/cacert.pem":                                  probe.OK,
		"trust store /opt/conda/lib/python3.11/site-packages/certifi/cacert.pem": probe.OK,
	}, statuses(r), out)

	code, r, out = wireProbe(t, root, "https://git.corp.example/")
	require.Equal(t, node.ExitPending, code, out)
	require.Equal(t, probe.Bypassed, statuses(r)["docker.service"], out)
	require.Contains(t, out, `no-proxy entry ".corp.example"`)

	wrong := wireSample(t)
	wireApply(t, wrong, proxy, "not the password", "-ca", s.CAFile)
	wiretest.UpdateCACertificates(t, wrong)
	code, r, out = wireProbe(t, wrong, s.OriginURL)
	require.Equal(t, node.ExitPending, code, out)
	require.Equal(t, probe.Refused, statuses(r)["docker.service"], out)
	require.Contains(t, out, "407 Proxy Authentication Required")
	require.NotContains(t, out, "not the password")
}

// wireProbe runs "docker-host verify -probe URL" on root, as text and as
// JSON; it returns the exit status, the report and both outputs.
func wireProbe(t *testing.T, root, target string) (int, *node.Report, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code, r := program(node.Env{Getenv: func(string) string { return "" }}).RunReport(
		[]string{"-root", root, "verify", "-probe", target, "-probe-timeout", "10s"}, &stdout, &stderr)
	require.Empty(t, stderr.String())
	require.NotNil(t, r)
	text := stdout.String()
	stdout.Reset()
	code2, _ := program(node.Env{Getenv: func(string) string { return "" }}).RunReport(
		[]string{"-root", root, "-json", "verify", "-probe", target}, &stdout, &stderr)
	require.Equal(t, code, code2)
	var js struct {
		Probes []probe.Result `json:"probes"`
		Exit   int            `json:"exit"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &js), stdout.String())
	require.Len(t, js.Probes, len(r.Probes))
	require.Equal(t, code, js.Exit)
	all := text + stdout.String()
	require.NotContains(t, all, squidtest.Password)
	require.NotContains(t, all, url.QueryEscape(squidtest.Password))
	t.Logf("verify -probe %s:\n%s", target, text)
	return code, r, all
}

func wireSample(t *testing.T) string {
	root := t.TempDir()
	require.NoError(t, writeSample(root, "host"))
	return root
}

// wireApply runs "docker-host apply" on root with the proxy and the CA, the
// password in the environment as an operator gives it.
func wireApply(t *testing.T, root, proxy, password string, args ...string) {
	t.Helper()
	env := node.Env{Getenv: func(k string) string {
		if k == node.EnvProxyPassword {
			return password
		}
		return "" // nothing from the test's own environment
	}}
	var stdout, stderr bytes.Buffer
	argv := append([]string{"-root", root, "-proxy", proxy, "-no-proxy", ".corp.example"}, args...)
	code := program(env).Run(append(argv, "apply"), &stdout, &stderr)
	require.Equal(t, node.ExitOK, code, "apply:\n%s\n%s", stdout.String(), stderr.String())
}

// TestWireApt proves the image's apt configuration on the wire: apt-get
// update of a loopback repository behind squid, with only the
// apt.conf.d file docker-host -image writes and the bundle Debian's
// update-ca-certificates builds from the CA it adds. It fails before apply,
// succeeds after, and a wrong password gives apt's diagnosis of the 407.
func TestWireApt(t *testing.T) {
	s := squidtest.Start(t, squidtest.Options{Origin: aptRepo()})
	u, err := url.Parse(s.AuthURL)
	require.NoError(t, err)
	u.User = url.User(squidtest.User)
	sources := "deb [trusted=yes] " + s.OriginURL + "debian stable main"
	aptGet := func(t *testing.T, root string) (string, error) {
		conf := filepath.Join(root, proxyenv.AptConfPath)
		if _, err := os.Stat(conf); err != nil {
			conf = filepath.Join(t.TempDir(), "none")
			require.NoError(t, os.WriteFile(conf, nil, 0o644))
		}
		return wiretest.Apt(t, conf, wiretest.UpdateCACertificates(t, root), sources)
	}
	image := func(t *testing.T) string {
		root := t.TempDir()
		require.NoError(t, writeSample(root, "image"))
		return root
	}

	root := image(t)
	out, err := aptGet(t, root)
	require.Error(t, err, "before apply apt reached the repository:\n%s", out)
	t.Logf("before apply: %s", out)

	wireApply(t, root, u.String(), squidtest.Password, "-image", "-ca", s.CAFile)
	out, err = aptGet(t, root)
	require.NoError(t, err, "after apply:\n%s\nsquid access.log:\n%s", out, s.AccessLog())
	require.Contains(t, out, "stable InRelease")

	wrong := image(t)
	wireApply(t, wrong, u.String(), "not the password", "-image", "-ca", s.CAFile)
	out, err = aptGet(t, wrong)
	t.Logf("wrong password: %s", out)
	require.Error(t, err)
	require.True(t, wiretest.Has407(out), "the diagnosis does not say 407:\n%s", out)
	require.NotContains(t, out, "not the password")
}

// aptRepo serves an empty, unsigned Debian repository at /debian: a Release
// file and an empty Packages index for amd64 and arm64.
func aptRepo() http.Handler {
	sum := sha256.Sum256(nil)
	var release strings.Builder
	fmt.Fprintf(&release, "Origin: proxykit\nSuite: stable\nCodename: stable\nDate: %s\nArchitectures: amd64 arm64\nComponents: main\nSHA256:\n",
		time.Now().Add(-time.Hour).UTC().Format(time.RFC1123))
	for _, arch := range []string{"amd64", "arm64"} {
		fmt.Fprintf(&release, " %x 0 main/binary-%s/Packages\n", sum, arch)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debian/dists/stable/Release", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, release.String())
	})
	mux.HandleFunc("GET /debian/dists/stable/main/{dir}/Packages", func(w http.ResponseWriter, r *http.Request) {})
	return mux
}
