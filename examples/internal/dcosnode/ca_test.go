package dcosnode

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/cafetch/cafetchtest"
	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/truststore"
)

// javaCacerts is the sample node's DC/OS JRE keystore.
const javaCacerts = "opt/mesosphere/packages/java--a4fcaafbfd646f34641226bd8732095525c6e229/usr/java/jre/lib/security/cacerts"

// snapshot reads every regular file under root.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	}))
	return out
}

// runCA runs dcos-node with actions recorded, returning its status and
// stderr.
func runCA(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	p := testProgram(plan.NoActions)
	if slices.Contains(args, "-no-password") {
		p = program(node.Env{Getenv: func(string) string { return "" }})
		p.Runner = plan.NoActions
	}
	code := p.Run(args, &stdout, &stderr)
	return code, stderr.String()
}

// keystoreAliases lists the aliases of the sample node's DC/OS JRE keystore.
func keystoreAliases(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, javaCacerts))
	require.NoError(t, err)
	entries, _, err := truststore.ListKeystore(b, truststore.WithPassword(truststore.DefaultJavaPassword()))
	require.NoError(t, err)
	var aliases []string
	for _, e := range entries {
		aliases = append(aliases, e.Alias)
	}
	return strings.Join(aliases, " ")
}

// TestCAURLTrustsTheClustersCAApartFromTheProxys fetches the cluster's CA
// from a loopback DC/OS master's /ca/dcos-ca.crt: refused with a wrong
// fingerprint, nothing written, the real fingerprint printed; with the right
// one it goes where the proxy's CA goes, under its own name, beside the
// proxy's, so either can be removed apart.
func TestCAURLTrustsTheClustersCAApartFromTheProxys(t *testing.T) {
	clusterCA := cafetchtest.NewCA("DC/OS Root CA 4f5b2e")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	other := cafetchtest.NewCA("Someone Else")
	certs, err := truststore.ParseCertificates(clusterCA.PEM())
	require.NoError(t, err)
	clusterAlias := certs[0].Alias()

	root := sampleRoot(t)
	before := snapshot(t, root)
	code, stderr := runCA(t, sampleArgs(root, "-ca-url", cluster.URL, "-fingerprint", other.Fingerprint().String(), "apply")...)
	assert.Equal(t, node.ExitError, code)
	assert.Contains(t, stderr, "fingerprint does not match")
	assert.Contains(t, stderr, clusterCA.Fingerprint().String(), "the real fingerprint is printed, to compare")
	assert.Equal(t, before, snapshot(t, root), "nothing is written")

	code, stderr = runCA(t, sampleArgs(root, "-ca-url", cluster.URL, "-fingerprint", clusterCA.Fingerprint().String(), "apply")...)
	require.Equal(t, node.ExitOK, code, stderr)
	assert.Contains(t, stderr, clusterCA.Fingerprint().String(), "the fingerprint is in a note")
	anchors := filepath.Join(root, "etc/pki/ca-trust/source/anchors")
	got, err := os.ReadFile(filepath.Join(anchors, clusterAlias+".crt"))
	if err != nil {
		ls, _ := os.ReadDir(anchors)
		t.Fatalf("the cluster's CA is anchored under its own name: %v; anchors: %v; stderr:\n%s", err, ls, stderr)
	}
	assert.Equal(t, string(clusterCA.PEM()), string(got))
	assert.FileExists(t, filepath.Join(anchors, "corporate_proxy.crt"), "the proxy's CA keeps -ca-alias")
	aliases := keystoreAliases(t, root)
	assert.Contains(t, aliases, "corporate_proxy")
	assert.Contains(t, aliases, clusterAlias)

	code, stderr = runCA(t, sampleArgs(root, "-ca-url", cluster.URL, "-fingerprint", clusterCA.Fingerprint().String(), "plan")...)
	assert.Equal(t, node.ExitOK, code, "a second run has nothing to do: %s", stderr)
}

// TestCAFromProxyTrustsTheRootTheProxyPresents discovers the intercepting
// proxy's CA through a loopback proxy that presents an intermediate: its
// root is trusted with the right fingerprint, under -ca-alias; a wrong one
// is refused, the chain and its root's fingerprint shown, nothing written.
func TestCAFromProxyTrustsTheRootTheProxyPresents(t *testing.T) {
	rootCA := cafetchtest.NewCA("Corp TLS Inspection Root")
	px := cafetchtest.NewProxy(t, cafetchtest.ProxyConfig{CA: rootCA.NewIntermediate("Corp TLS Inspection Issuing CA")})
	root := sampleRoot(t)
	args := func(fp string, cmd string) []string {
		return []string{"-root", root, "-proxy", px.URL, "-no-password", "-ca-from-proxy", "files.example.test", "-fingerprint", fp, cmd}
	}
	before := snapshot(t, root)
	code, stderr := runCA(t, args(cafetchtest.NewCA("Someone Else").Fingerprint().String(), "apply")...)
	assert.Equal(t, node.ExitError, code)
	assert.Contains(t, stderr, rootCA.Fingerprint().String())
	assert.Contains(t, stderr, "compare the fingerprint")
	assert.Equal(t, before, snapshot(t, root), "nothing is written")

	code, stderr = runCA(t, args(rootCA.Fingerprint().String(), "apply")...)
	require.Equal(t, node.ExitOK, code, stderr)
	got, err := os.ReadFile(filepath.Join(root, "etc/pki/ca-trust/source/anchors/corporate_proxy.crt"))
	require.NoError(t, err)
	assert.Equal(t, string(rootCA.PEM()), string(got))
	assert.Contains(t, keystoreAliases(t, root), "corporate_proxy")
}

// TestCAAliasNamesEachCAApart gives the proxy's CA (-ca) and the cluster's
// (-ca-url) names of their own with -ca-alias SOURCE=NAME, by source and by
// fingerprint, and refuses a -ca-alias that matches no CA, writing nothing.
func TestCAAliasNamesEachCAApart(t *testing.T) {
	clusterCA := cafetchtest.NewCA("DC/OS Root CA 4f5b2e")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	root := sampleRoot(t)
	caFile := filepath.Join(root, "root", "corporate-proxy-ca.pem")
	fetch := []string{"-ca-url", cluster.URL, "-fingerprint", clusterCA.Fingerprint().String()}

	before := snapshot(t, root)
	code, stderr := runCA(t, sampleArgs(root, append(fetch, "-ca-alias", "https://elsewhere.example/ca.crt=dcos_ca", "apply")...)...)
	assert.Equal(t, node.ExitError, code)
	assert.Contains(t, stderr, "no CA comes from")
	assert.Equal(t, before, snapshot(t, root), "nothing is written")

	code, stderr = runCA(t, sampleArgs(root, append(fetch,
		"-ca-alias", cluster.URL+"=dcos_ca", "-ca-alias", caFile+"=first_name", "-ca-alias", proxyFingerprint(t, caFile)+"=proxy_root", "apply")...)...)
	require.Equal(t, node.ExitOK, code, stderr)
	anchors := filepath.Join(root, "etc/pki/ca-trust/source/anchors")
	got, err := os.ReadFile(filepath.Join(anchors, "dcos_ca.crt"))
	require.NoError(t, err, stderr)
	assert.Equal(t, string(clusterCA.PEM()), string(got))
	assert.FileExists(t, filepath.Join(anchors, "proxy_root.crt"), "the last -ca-alias that matches wins")
	assert.NoFileExists(t, filepath.Join(anchors, "first_name.crt"))
	assert.NoFileExists(t, filepath.Join(anchors, "corporate_proxy.crt"))
	aliases := keystoreAliases(t, root)
	assert.Contains(t, aliases, "dcos_ca")
	assert.Contains(t, aliases, "proxy_root")
}

func proxyFingerprint(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	certs, err := truststore.ParseCertificates(data)
	require.NoError(t, err)
	return certs[0].Fingerprint().String()
}
