package node

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

// TestRestartReaders: a change restarts the readers whose store it reaches
// — Docker for the system store, a JVM for its own keystore or for the
// system store when its keystore is rebuilt from it, one whose store is
// unknown for any change — each after a daemon-reload, noted once.
func TestRestartReaders(t *testing.T) {
	n := NewNode(&Config{}, os.DirFS(t.TempDir()))
	then := n.RestartReaders([]CAReader{
		{Unit: "docker.service", System: true},
		{Unit: "rebuilt.service", Keystore: "etc/pki/ca-trust/extracted/java/cacerts"},
		{Unit: "own.service", Keystore: "opt/jdk/lib/security/cacerts"},
		{Unit: "unknown.service"},
	})
	regenerated := []truststore.Store{{Real: "etc/pki/ca-trust/extracted/java/cacerts", Regenerated: true}}
	system := truststore.Change{Kind: truststore.KindSystem, Store: truststore.Store{Real: "etc/pki/ca-trust/source/anchors/corporate_proxy.crt"}}
	keystore := truststore.Change{Kind: truststore.KindKeystore, Store: truststore.Store{Real: "opt/jdk/lib/security/cacerts"}}
	bundle := truststore.Change{Kind: truststore.KindBundle, Store: truststore.Store{Real: "opt/conda/ssl/cacert.pem"}}

	require.Equal(t, []string{"daemon-reload", "restart docker", "daemon-reload", "restart rebuilt", "daemon-reload", "restart unknown"}, then(system, regenerated))
	require.Equal(t, []string{"daemon-reload", "restart own", "daemon-reload", "restart unknown"}, then(keystore, regenerated))
	require.Equal(t, []string{"daemon-reload", "restart unknown"}, then(bundle, regenerated))
	require.Equal(t, []string{
		"restart docker.service: the system store, which it reads at start, gets a new CA",
		"restart rebuilt.service: its JRE's keystore /etc/pki/ca-trust/extracted/java/cacerts, which it reads at start, gets a new CA",
		"restart unknown.service: a trust store gets a new CA and its JRE (ExecStart=, JAVA_HOME) is unknown",
		"restart own.service: its JRE's keystore /opt/jdk/lib/security/cacerts, which it reads at start, gets a new CA",
	}, n.Notes())
}
