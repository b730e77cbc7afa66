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

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/cafetchtest"
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

// TestEachCAUnderItsOwnNameOnTheDCOSMaster trusts, on the DC/OS master
// fixture and with no -ca-alias, the proxy's CA (-ca) and the cluster's
// (-ca-url), then a rotated proxy CA in a second run: the name the new one
// would get (corporate_proxy) names the old one, so it goes beside it,
// under the next name, in every store — the system store's anchors, DC/OS's
// JRE, the JDK under /usr/local and the four Python bundles — and the old
// one stays trusted; a third run has nothing to do, and undo puts back
// every byte.
func TestEachCAUnderItsOwnNameOnTheDCOSMaster(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, node.Materialize(root, os.DirFS(fixtureDir), "master", "master.setup"))
	before := snapshot(t, root)
	clusterCA := cafetchtest.NewCA("DC/OS Root CA 4f5b2e")
	cluster := cafetchtest.NewCluster(t, clusterCA, nil)
	oldCA, newCA := cafetchtest.NewCA("Corp Proxy Root 2025"), cafetchtest.NewCA("Corp Proxy Root 2026")
	dir := t.TempDir()
	oldFile, newFile := filepath.Join(dir, "old.pem"), filepath.Join(dir, "new.pem")
	require.NoError(t, os.WriteFile(oldFile, oldCA.PEM(), 0o644))
	require.NoError(t, os.WriteFile(newFile, newCA.PEM(), 0o644))
	args := func(extra ...string) []string {
		return append([]string{"-root", root, "-proxy", "http://svc-dcos@proxy.example.com:3128"}, extra...)
	}
	code, stderr := runCA(t, args("-ca", oldFile, "-ca-url", cluster.URL, "-fingerprint", clusterCA.Fingerprint().String(), "apply")...)
	require.Equal(t, node.ExitOK, code, stderr)
	code, stderr = runCA(t, args("-ca", newFile, "apply")...)
	require.Equal(t, node.ExitOK, code, "a rotated CA is not refused: %s", stderr)
	assert.Contains(t, stderr, `as "corporate_proxy-2": "corporate_proxy" already names another certificate on this node, which stays trusted`)

	cluster1, err := truststore.ParseCertificates(clusterCA.PEM())
	require.NoError(t, err)
	want := map[string]truststore.Fingerprint{
		"corporate_proxy":   oldCA.Fingerprint(),
		"corporate_proxy-2": newCA.Fingerprint(),
		cluster1[0].Alias(): clusterCA.Fingerprint(),
	}
	for name, fp := range want {
		b, err := os.ReadFile(filepath.Join(root, "etc/pki/ca-trust/source/anchors", name+".crt"))
		require.NoError(t, err, "anchor %s", name)
		c, err := truststore.ParseCertificate(b)
		require.NoError(t, err)
		assert.Equal(t, fp, c.Fingerprint(), "anchor %s", name)
	}
	for _, ks := range []string{
		"opt/mesosphere/packages/java--f5b3c9d86a4e2c7b1d0f9a8b7c6d5e4f3a2b1c0d/usr/java/jre/lib/security/cacerts",
		"usr/local/jdk1.8.0_202/jre/lib/security/cacerts",
	} {
		b, err := os.ReadFile(filepath.Join(root, ks))
		require.NoError(t, err)
		entries, _, err := truststore.ListKeystore(b, truststore.WithPassword(truststore.DefaultJavaPassword()))
		require.NoError(t, err)
		got := map[string]truststore.Fingerprint{}
		for _, e := range entries {
			if _, ok := want[e.Alias]; ok {
				got[e.Alias] = e.Fingerprint
			}
		}
		assert.Equal(t, want, got, ks)
	}
	bundles, err := filepath.Glob(filepath.Join(root, "opt/mesosphere/packages/*/lib/python3.4/site-packages/*/*cacert.pem"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join(root, "opt/mesosphere/packages/*/lib/python3.4/site-packages/*/*/*/cacert.pem"))
	require.NoError(t, err)
	bundles = append(bundles, more...)
	require.Len(t, bundles, 4, "the four Python bundles")
	for _, b := range bundles {
		data, err := os.ReadFile(b)
		require.NoError(t, err)
		entries, err := truststore.ListBundle(data)
		require.NoError(t, err)
		var fps []truststore.Fingerprint
		for _, e := range entries {
			fps = append(fps, e.Fingerprint)
		}
		for name, fp := range want {
			assert.Contains(t, fps, fp, "%s in %s", name, b)
		}
	}

	code, stderr = runCA(t, args("-ca", newFile, "plan")...)
	assert.Equal(t, node.ExitOK, code, "a second run has nothing to do: %s", stderr)
	code, stderr = runCA(t, args("-ca", newFile, "verify")...)
	assert.Equal(t, node.ExitOK, code, "no drift: %s", stderr)
	code, stderr = runCA(t, args("undo")...)
	require.Equal(t, node.ExitOK, code, stderr)
	assert.Equal(t, before, snapshot(t, root), "undo removes every CA")
}
