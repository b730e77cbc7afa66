package dockerhost

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/wiretest"
	"github.com/proxykit/proxykit/internal/squidtest"
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

			wireApply(t, root, proxy, squidtest.Password, s.CAFile, tc.args...)
			out, err = dockerd(t, root)
			require.NoError(t, err, "after apply:\n%s\nsquid access.log:\n%s", out, s.AccessLog())
			require.Equal(t, squidtest.OriginBody, out)

			wrong := wireSample(t)
			wireApply(t, wrong, proxy, "not the password", s.CAFile, tc.args...)
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

func wireSample(t *testing.T) string {
	root := t.TempDir()
	require.NoError(t, writeSample(root, "host"))
	return root
}

// wireApply runs "docker-host apply" on root with the proxy and the CA, the
// password in the environment as an operator gives it.
func wireApply(t *testing.T, root, proxy, password, ca string, args ...string) {
	t.Helper()
	env := node.Env{Getenv: func(k string) string {
		if k == node.EnvProxyPassword {
			return password
		}
		return "" // nothing from the test's own environment
	}}
	var stdout, stderr bytes.Buffer
	argv := append([]string{"-root", root, "-proxy", proxy, "-no-proxy", ".corp.example", "-ca", ca}, args...)
	code := program(env).Run(append(argv, "apply"), &stdout, &stderr)
	require.Equal(t, node.ExitOK, code, "apply:\n%s\n%s", stdout.String(), stderr.String())
}
