package dcosnode_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/dcosnode"
	"github.com/proxykit/proxykit/truststore"
)

// TestExternalModuleUsesThePublicAPI builds a module outside proxykit's
// (testdata/adopter, with a replace line pointing here) that adds the
// proxy's CA to every trust store of the sample node and writes the proxy
// settings for it through the public API alone, runs it on a copy of the
// sample, and checks the result. It needs no network: the module cache
// holds the dependencies (GOFLAGS=-mod=mod, GOPROXY=off).
func TestExternalModuleUsesThePublicAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module: skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	repo, err := filepath.Abs("../../..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(repo, "go.mod"))

	root := t.TempDir()
	require.NoError(t, dcosnode.WriteSample(root))
	mod := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "adopter", "main.go.txt"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "main.go"), src, 0o644))
	goMod := "module example.com/adopter\n\ngo 1.26\n\nrequire github.com/proxykit/proxykit v0.0.0\n\nreplace github.com/proxykit/proxykit => " + repo + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte(goMod), 0o644))
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644))

	ca := filepath.Join(root, "root", "corporate-proxy-ca.pem")
	cmd := exec.Command(goBin, "run", ".", root, ca)
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local", "PROXY_PASSWORD=s3cr%t@P4ss w0rd!")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	out := stdout.String()
	t.Log(out)
	assert.NotContains(t, out, "s3cr")

	// Every store found now holds the CA, or is named with its reason.
	caPEM, err := os.ReadFile(ca)
	require.NoError(t, err)
	want, err := truststore.ParseCertificate(caPEM)
	require.NoError(t, err)
	stores, err := truststore.Discover(os.DirFS(root), truststore.Discovery{Bundles: append(truststore.DefaultBundleGlobs(), truststore.DCOSBundleGlobs()...)})
	require.NoError(t, err)
	var bundles, keystores int
	for _, st := range stores {
		switch {
		case st.Kind == truststore.KindSystem:
			assert.Contains(t, out, "ca system store "+st.Path+"/corp-proxy.crt")
			anchor, err := os.ReadFile(filepath.Join(root, st.Path, "corp-proxy.crt"))
			require.NoError(t, err)
			assert.Contains(t, string(anchor), strings.TrimSpace(string(want.PEM())))
		case st.Regenerated || st.Problem != "":
			assert.Contains(t, out, "left "+st.Kind.String()+" "+st.Path+": ")
		case st.Kind == truststore.KindKeystore:
			keystores++
			b, err := os.ReadFile(filepath.Join(root, st.Real))
			require.NoError(t, err)
			entries, _, err := truststore.ListKeystore(b, truststore.WithPassword(truststore.DefaultJavaPassword()))
			require.NoError(t, err)
			var fps []truststore.Fingerprint
			for _, e := range entries {
				fps = append(fps, e.Fingerprint)
			}
			assert.Contains(t, fps, want.Fingerprint(), st.Path)
		case st.Kind == truststore.KindBundle:
			bundles++
			b, err := os.ReadFile(filepath.Join(root, st.Real))
			require.NoError(t, err)
			entries, err := truststore.ListBundle(b)
			require.NoError(t, err)
			assert.Equal(t, want.Fingerprint(), entries[len(entries)-1].Fingerprint, st.Path)
		}
	}
	assert.Positive(t, keystores)
	assert.Positive(t, bundles)

	// The proxy settings, for login sessions, DC/OS, yum, Docker and the
	// Java services.
	for _, p := range []string{"etc/environment", "opt/mesosphere/etc/proxy.env", "etc/yum.conf", "etc/systemd/system/docker.service.d/http-proxy.conf"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		require.NoError(t, err)
		assert.Contains(t, strings.ToLower(string(b)), "proxy.example.com:3128", p)
	}
	env, err := os.ReadFile(filepath.Join(root, "opt/mesosphere/etc/proxy.env"))
	require.NoError(t, err)
	assert.Contains(t, string(env), ".thisdcos.directory")
	assert.Contains(t, out, "java dcos-cosmos.service")
	b, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/dcos-cosmos.service.d/proxykit-proxy.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "-Dhttps.proxyHost=proxy.example.com")
}
