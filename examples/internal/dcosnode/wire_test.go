package dcosnode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/internal/squidtest"
	"github.com/proxykit/proxykit/internal/wiretest"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/truststore"
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

			wireApply(t, root, tc.proxy, squidtest.Password, "-ca", s.CAFile)
			out, err = tc.fetch(t, root)
			require.NoError(t, err, "after apply:\n%s\nsquid access.log:\n%s", out, s.AccessLog())
			require.Equal(t, squidtest.OriginBody, out)

			if tc.wrongPassword {
				wrong := wireSample(t)
				wireApply(t, wrong, tc.proxy, "not the password", "-ca", s.CAFile)
				out, err = tc.fetch(t, wrong)
				require.Error(t, err)
				require.True(t, wiretest.Has407(out), "the diagnosis does not say 407:\n%s", out)
				require.NotContains(t, out, "not the password")
			}
		})
	}

	t.Run("java through the authenticating port gets 407", func(t *testing.T) {
		root := wireSample(t)
		wireApply(t, root, authProxy, squidtest.Password, "-ca", s.CAFile)
		out, err := javaCosmos(t, java, root, s.OriginURL)
		require.Error(t, err)
		require.True(t, wiretest.Has407(out), "the diagnosis does not say 407:\n%s", out)
	})
}

// TestWireProbe checks "verify -probe" against the same squid on the
// sample DC/OS node, through squid's open port so that the Java services,
// which cannot send proxy credentials, pass too: unknown authority (squid's
// CA fingerprint) with the proxy set but not its CA; every consumer and
// store ok once the CA is applied and the RHEL stores extracted; bypassed
// for a DC/OS name; 407 from the authenticating port with a wrong password.
func TestWireProbe(t *testing.T) {
	s := squidtest.Start(t, squidtest.Options{})
	caFP := truststore.FingerprintOf(s.CA.Raw).String()

	root := wireSample(t)
	wireApply(t, root, s.OpenURL, "")
	code, r, out := wireProbe(t, root, s.OriginURL)
	require.Equal(t, node.ExitPending, code, out)
	consumers := map[string]bool{}
	for _, p := range r.Probes {
		consumers[p.Consumer] = true
		require.Equal(t, probe.UnknownAuthority, p.Status, "%s", p)
		require.Equal(t, caFP, p.Fingerprint, "%s", p)
	}
	for _, c := range []string{"docker.service", "/etc/environment", "/opt/mesosphere/etc/proxy.env",
		"dcos-cosmos.service (Java properties)", "dcos-marathon.service (Java properties)", "dcos-metronome.service (Java properties)",
		"trust store /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
		"trust store /opt/mesosphere/packages/python--32886514c2621f81e01024aa84d0f829d2ce1fad/lib/python3.6/site-packages/pip/_vendor/certifi/cacert.pem",
	} {
		require.True(t, consumers[c], "no probe of %s:\n%s", c, out)
	}

	wireApply(t, root, s.OpenURL, "", "-ca", s.CAFile)
	wiretest.UpdateCATrust(t, root) // apply's follow-up on a live node
	code, r, out = wireProbe(t, root, s.OriginURL)
	require.Equal(t, node.ExitOK, code, out)
	require.Contains(t, out, fmt.Sprintf("all %d probes ok", len(r.Probes)))
	require.Len(t, r.Probes, len(consumers))

	code, r, out = wireProbe(t, root, "https://leader.mesos/")
	require.Equal(t, node.ExitPending, code, out)
	for _, p := range r.Probes {
		require.Equal(t, probe.Bypassed, p.Status, "%s", p)
	}
	require.Contains(t, out, `bypassed: /etc/environment (curl, trusting /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem): no-proxy entry ".mesos"`)
	require.Contains(t, out, `bypassed: dcos-cosmos.service (Java properties) (java, trusting /opt/mesosphere/active/java/usr/java/jre/lib/security/cacerts): no-proxy entry "*.mesos"`)

	wrong := wireSample(t)
	wireApply(t, wrong, proxyWithUser(t, s.AuthURL, squidtest.User), "not the password", "-ca", s.CAFile)
	wiretest.UpdateCATrust(t, wrong)
	code, r, out = wireProbe(t, wrong, s.OriginURL)
	require.Equal(t, node.ExitPending, code, out)
	for _, p := range r.Probes {
		require.Equal(t, probe.Refused, p.Status, "%s", p)
		require.Equal(t, 407, p.HTTPStatus)
	}
	require.NotContains(t, out, "not the password")
}

// wireProbe runs "dcos-node verify -probe URL" on root, as text and as
// JSON; it returns the exit status, the report and both outputs.
func wireProbe(t *testing.T, root, target string) (int, *node.Report, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := node.Env{Getenv: func(string) string { return "" }}
	code, r := program(env).RunReport([]string{"-root", root, "verify", "-probe", target, "-probe-timeout", "10s"}, &stdout, &stderr)
	require.Empty(t, stderr.String())
	require.NotNil(t, r)
	text := stdout.String()
	stdout.Reset()
	code2, _ := program(env).RunReport([]string{"-root", root, "-json", "verify", "-probe", target}, &stdout, &stderr)
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
	t.Logf("verify -probe %s:\n%s", target, text)
	return code, r, all
}

// javaCosmos runs the Java probe the way dcos-cosmos.service starts Java:
// with the JAVA_TOOL_OPTIONS systemd passes it (the drop-in's proxy
// properties), every -D option of its effective ExecStart= and the keystore
// of the JRE it runs as trust store.
func javaCosmos(t *testing.T, java *wiretest.JavaProbe, root, target string) (string, error) {
	s := wiretest.JavaService(t, root, "dcos-cosmos.service")
	props := append(s.Props,
		"-Djavax.net.ssl.trustStore="+wiretest.JavaCacerts(t, root, s.Launcher),
		"-Djavax.net.ssl.trustStorePassword=changeit")
	return java.Java(t, s.ToolOptions, props, target)
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
func wireApply(t *testing.T, root, proxy, password string, args ...string) {
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
	argv := append([]string{"-root", root, "-proxy", proxy, "-no-proxy", ".corp.example"}, args...)
	code := program(env).Run(append(argv, "apply"), &stdout, &stderr)
	require.Equal(t, node.ExitOK, code, "apply:\n%s\n%s", stdout.String(), stderr.String())
}
