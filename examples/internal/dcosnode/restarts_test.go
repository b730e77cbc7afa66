package dcosnode

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestRestartsFollowTheEffectiveEnvironment checks that a unit reading
// proxy.env with EnvironmentFile= restarts exactly when the environment
// systemd passes it changes: dcos-mesos-master takes the no-proxy list from
// proxy.env, while dcos-pinned (a unit of the test) reads its own no-proxy
// list from a later EnvironmentFile=, which wins, so a new no-proxy list
// leaves its environment, and it, alone. A new CA only restarts the services
// that read their CAs at start from a store it changes: Docker for the
// system store, a JVM for its JRE's keystore (dcos-jdk11's, on the
// distribution's JRE, is rebuilt from the system store); not the readers
// of proxy.env.
func TestRestartsFollowTheEffectiveEnvironment(t *testing.T) {
	root := sampleRoot(t)
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(s), 0o644))
	}
	write("etc/systemd/system/dcos-pinned.service", "[Unit]\nDescription=test: a service with its own no-proxy list\n\n[Service]\n"+
		"EnvironmentFile=-/opt/mesosphere/etc/proxy.env\nEnvironmentFile=/etc/pinned-noproxy.env\nExecStart=/usr/bin/true\n")
	write("etc/pinned-noproxy.env", "no_proxy=.pinned.example\nNO_PROXY=.pinned.example\n")
	// A JVM on the distribution's JRE, whose keystore update-ca-trust
	// rebuilds from the system store.
	write("etc/systemd/system/dcos-jdk11.service", "[Unit]\nDescription=test: a JVM on the system's JRE\n\n[Service]\n"+
		"Environment=JAVA_HOME=/usr/lib/jvm/java-11-openjdk-11.0.23.0.9-1.el7_9.x86_64\nExecStart=/usr/lib/jvm/java-11-openjdk-11.0.23.0.9-1.el7_9.x86_64/bin/java -jar /opt/app.jar\n")
	rec := &plan.Recorder{}
	restarts := func(args ...string) []string {
		t.Helper()
		rec.Reset()
		var out, errb strings.Builder
		require.Equal(t, node.ExitOK, testProgram(rec).Run(args, &out, &errb), errb.String())
		var got []string
		for _, a := range rec.Ran() {
			if u, ok := strings.CutPrefix(a, "restart "); ok {
				got = append(got, u)
			}
		}
		return got
	}

	got := restarts(sampleArgs(root, "apply")...)
	require.Contains(t, got, "dcos-mesos-master")
	require.Contains(t, got, "dcos-pinned", "the proxy itself is new to it")

	t.Run("only the no-proxy list changes", func(t *testing.T) {
		args := sampleArgs(root, "apply")
		args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
		got := restarts(args...)
		require.Contains(t, got, "dcos-mesos-master")
		require.NotContains(t, got, "dcos-pinned", "its own EnvironmentFile= sets the no-proxy list: its environment is unchanged")
	})

	t.Run("only the system store lacks the CA", func(t *testing.T) {
		args := sampleArgs(root, "apply")
		args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
		// The same CA under another name: a new anchor in the system store;
		// DC/OS's JRE keystore holds the certificate already.
		args = append(args[:len(args)-1], "-ca-alias", "corporate_proxy_2", "apply")
		got := restarts(args...)
		require.NotContains(t, got, "dcos-mesos-master", "proxy.env is unchanged")
		require.NotContains(t, got, "dcos-pinned")
		require.Contains(t, got, "docker", "Docker reads the system store at start")
		require.NotContains(t, got, "dcos-cosmos", "its JRE's keystore is unchanged")
		require.Contains(t, got, "dcos-jdk11", "update-ca-trust rebuilds its JRE's keystore from the system store")
	})

	t.Run("only the CA changes", func(t *testing.T) {
		args := sampleArgs(root, "apply")
		args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
		args[slices.Index(args, "-ca")+1] = writeCA(t, "Other Corp Inspection CA")
		args = append(args[:len(args)-1], "-ca-alias", "other_corp", "apply")
		got := restarts(args...)
		require.NotContains(t, got, "dcos-mesos-master", "proxy.env is unchanged")
		require.NotContains(t, got, "dcos-pinned")
		require.Contains(t, got, "docker")
		for _, u := range []string{"dcos-cosmos", "dcos-marathon", "dcos-metronome"} {
			require.Contains(t, got, u, "its JRE's keystore gets the CA, and a JVM reads it at start")
		}
	})
}

// writeCA writes a new self-signed CA certificate to a PEM file and returns
// its path.
func writeCA(t *testing.T, name string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	return p
}

// TestDropInRestartsFollowTheEffectiveEnvironment checks that a drop-in
// dcos-node writes restarts its unit only when the unit's effective
// environment or command line changes, not whenever the file does: here a
// later drop-in of Docker's sets the no-proxy variables, and one of
// Marathon's JAVA_TOOL_OPTIONS and (with a later EnvironmentFile=) its own
// proxy, which win over ours and over proxy.env, so a new no-proxy list
// rewrites our drop-ins and proxy.env but leaves Docker and Marathon alone;
// Cosmos, whose JAVA_TOOL_OPTIONS carry the list, restarts. Each restart comes after the
// daemon-reload that makes systemd read the drop-in, once.
func TestDropInRestartsFollowTheEffectiveEnvironment(t *testing.T) {
	root := sampleRoot(t)
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(s), 0o644))
	}
	write("etc/systemd/system/docker.service.d/zz-noproxy.conf", "[Service]\nEnvironment=NO_PROXY=.pinned.example no_proxy=.pinned.example\n")
	// Marathon's own later drop-in sets JAVA_TOOL_OPTIONS, and its own
	// proxy in a later EnvironmentFile=, which wins over proxy.env.
	write("etc/systemd/system/dcos-marathon.service.d/zz-options.conf", "[Service]\nEnvironment=\"JAVA_TOOL_OPTIONS=-Xss1m\"\n"+
		"EnvironmentFile=/etc/marathon-proxy.env\n")
	write("etc/marathon-proxy.env", "http_proxy=http://marathon-proxy:3128\nHTTP_PROXY=http://marathon-proxy:3128\n"+
		"https_proxy=http://marathon-proxy:3128\nHTTPS_PROXY=http://marathon-proxy:3128\nno_proxy=.mesos\nNO_PROXY=.mesos\n")
	rec := &plan.Recorder{}
	run := func(args ...string) (ran []string, stderr string) {
		t.Helper()
		rec.Reset()
		var out, errb strings.Builder
		require.Equal(t, node.ExitOK, testProgram(rec).Run(args, &out, &errb), errb.String())
		return rec.Ran(), errb.String()
	}

	_, stderr := run(sampleArgs(root, "apply")...) // the CA is new too: every one restarts
	require.Contains(t, stderr, "restart docker.service: its environment changes", "the proxy itself is new to it")
	require.NotContains(t, stderr, "restart dcos-marathon.service: its environment changes", "its own later drop-in sets JAVA_TOOL_OPTIONS: ours changes nothing it sees")

	args := sampleArgs(root, "apply")
	args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
	ran, stderr := run(args...)
	require.NotContains(t, ran, "restart docker", "its own later drop-in sets the no-proxy list: its environment is unchanged")
	require.NotContains(t, ran, "restart dcos-marathon")
	require.Contains(t, ran, "restart dcos-cosmos", "its JAVA_TOOL_OPTIONS carry the no-proxy list")
	require.Contains(t, stderr, "restart dcos-cosmos.service: its environment changes (drop-in /etc/systemd/system/dcos-cosmos.service.d/proxykit-proxy.conf, it reads /opt/mesosphere/etc/proxy.env with EnvironmentFile=)")
	require.Contains(t, stderr, "docker.service: /etc/systemd/system/docker.service.d/http-proxy.conf changes but not the unit's environment or command line")
	reload := slices.Index(ran, "daemon-reload")
	require.GreaterOrEqual(t, reload, 0)
	for i, a := range ran {
		if strings.HasPrefix(a, "restart ") {
			require.Greater(t, i, reload, "%s after daemon-reload", a)
			require.Equal(t, 1, strings.Count(strings.Join(ran, "\n")+"\n", a+"\n"), "%s once", a)
		}
	}
}
