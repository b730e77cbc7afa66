package dcosnode

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/wiretest"
	"github.com/proxykit/proxykit/internal/squidtest"
)

// TestWire proves the sample DC/OS node's configuration on the wire: each
// client of the node, configured only from the files dcos-node writes, must
// fail to reach an HTTPS origin behind a real TLS-intercepting squid before
// apply and reach it after; with a wrong password, the client's own
// diagnosis must name the 407.
func TestWire(t *testing.T) {
	s := squidtest.Start(t, squidtest.Options{})
	authProxy := proxyWithUser(t, s.AuthURL, squidtest.User)
	java := wiretest.CompileJava(t)

	for _, tc := range []struct {
		name string
		// proxy is what apply writes: the authenticating port with the
		// user (the password comes from the environment), or the open port.
		proxy string
		fetch func(t *testing.T, root string) (string, error)
		// wrongPassword says whether the client sends credentials, so a
		// wrong password must give a 407.
		wrongPassword bool
	}{{
		name:  "curl with /etc/environment and the system bundle",
		proxy: authProxy,
		fetch: func(t *testing.T, root string) (string, error) {
			env := wiretest.ReadEnvFile(wiretest.ReadFile(t, root, "/etc/environment"))
			return wiretest.Curl(t, env, wiretest.RHELBundle(t, root), s.OriginURL)
		},
		wrongPassword: true,
	}, {
		name:  "python urllib with proxy.env and pip's certifi bundle",
		proxy: authProxy,
		fetch: func(t *testing.T, root string) (string, error) {
			env := wiretest.ReadEnvFile(wiretest.ReadFile(t, root, "/opt/mesosphere/etc/proxy.env"))
			bundle, _ := wiretest.Resolve(t, root, "/opt/mesosphere/packages/python--32886514c2621f81e01024aa84d0f829d2ce1fad/lib/python3.6/site-packages/pip/_vendor/certifi/cacert.pem")
			return wiretest.Python(t, env, bundle, s.OriginURL)
		},
		wrongPassword: true,
	}, {
		// Java's system properties name a proxy host and port but have no
		// property for proxy credentials (a program must install an
		// Authenticator), so a Java service goes through a port that
		// does not ask for them; the subtest below shows the 407 it gets
		// from the port that does.
		name:  "java with the cosmos drop-in's properties and its JRE's keystore",
		proxy: s.OpenURL,
		fetch: func(t *testing.T, root string) (string, error) {
			return javaCosmos(t, java, root, s.OriginURL)
		},
	}, {
		name:  "go net/http with docker.service's environment and the system bundle",
		proxy: authProxy,
		fetch: func(t *testing.T, root string) (string, error) {
			env := append(wiretest.UnitEnv(t, root, "docker.service"), "SSL_CERT_FILE="+wiretest.RHELBundle(t, root))
			return wiretest.GoClient(t, env, s.OriginURL)
		},
		wrongPassword: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			root := wireSample(t)
			out, err := tc.fetch(t, root)
			require.Error(t, err, "before apply the client reached the origin:\n%s", out)
			t.Logf("before apply: %s", out)

			wireApply(t, root, tc.proxy, squidtest.Password, s.CAFile)
			out, err = tc.fetch(t, root)
			require.NoError(t, err, "after apply:\n%s\nsquid access.log:\n%s", out, s.AccessLog())
			require.Equal(t, squidtest.OriginBody, out)

			if tc.wrongPassword {
				wrong := wireSample(t)
				wireApply(t, wrong, tc.proxy, "not the password", s.CAFile)
				out, err = tc.fetch(t, wrong)
				require.Error(t, err)
				require.True(t, wiretest.Has407(out), "the diagnosis does not say 407:\n%s", out)
				require.NotContains(t, out, "not the password")
			}
		})
	}

	t.Run("java through the authenticating port gets 407", func(t *testing.T) {
		root := wireSample(t)
		wireApply(t, root, authProxy, squidtest.Password, s.CAFile)
		out, err := javaCosmos(t, java, root, s.OriginURL)
		require.Error(t, err)
		require.True(t, wiretest.Has407(out), "the diagnosis does not say 407:\n%s", out)
	})
}

// javaCosmos runs the Java probe the way dcos-cosmos.service starts Java:
// with every -D option of its effective ExecStart= and the keystore of the
// JRE it runs as trust store.
func javaCosmos(t *testing.T, java *wiretest.JavaProbe, root, target string) (string, error) {
	props, launcher := wiretest.JavaService(t, root, "dcos-cosmos.service")
	props = append(props,
		"-Djavax.net.ssl.trustStore="+wiretest.JavaCacerts(t, root, launcher),
		"-Djavax.net.ssl.trustStorePassword=changeit")
	return java.Java(t, props, target)
}

func proxyWithUser(t *testing.T, proxy, user string) string {
	u, err := url.Parse(proxy)
	require.NoError(t, err)
	u.User = url.User(user)
	return u.String()
}

func wireSample(t *testing.T) string {
	root := t.TempDir()
	require.NoError(t, writeSample(root))
	return root
}

// wireApply runs "dcos-node apply" on root with the proxy and the CA, the
// password given as an operator gives it: in the environment, and only
// when the URL names a user.
func wireApply(t *testing.T, root, proxy, password, ca string) {
	t.Helper()
	u, err := url.Parse(proxy)
	require.NoError(t, err)
	env := node.Env{Getenv: func(k string) string {
		if k == node.EnvProxyPassword && u.User != nil {
			return password
		}
		return "" // nothing from the test's own environment
	}}
	var stdout, stderr bytes.Buffer
	code := program(env).Run([]string{"-root", root, "-proxy", proxy, "-no-proxy", ".corp.example", "-ca", ca, "apply"}, &stdout, &stderr)
	require.Equal(t, node.ExitOK, code, "apply:\n%s\n%s", stdout.String(), stderr.String())
}
