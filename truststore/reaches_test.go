package truststore_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

// TestChangeReaches: a JVM on the distribution's JDK, whose keystore
// update-ca-trust rebuilds from the system store, sees the new anchor; a
// JVM on a JDK of its own sees the change of its keystore only.
func TestChangeReaches(t *testing.T) {
	node := fstest.MapFS{
		"etc/os-release": file([]byte("ID=\"centos\"\n")),
		"etc/pki/ca-trust/extracted/java/cacerts": file(readKeystore(t, "debian-cacerts.jks")),
		"etc/pki/java/cacerts":                    link("/etc/pki/ca-trust/extracted/java/cacerts"),
		"usr/lib/jvm/jre-11/lib/security/cacerts": link("/etc/pki/java/cacerts"),
		"opt/jdk-21/lib/security/cacerts":         file(readKeystore(t, "jdk-cacerts.p12")),
	}
	p, err := truststore.Changes(node, []*truststore.Certificate{testCA(t, "Beta Root CA")}, truststore.ChangeOptions{})
	require.NoError(t, err)
	var regenerated []truststore.Store
	for _, l := range p.Left {
		if l.Store.Regenerated {
			regenerated = append(regenerated, l.Store)
		}
	}
	reached := map[string][]string{} // change's kind → stores it reaches
	for _, c := range p.Changes {
		for _, store := range []string{"etc/pki/ca-trust/extracted/java/cacerts", "opt/jdk-21/lib/security/cacerts", ""} {
			if c.Reaches(store, regenerated) {
				reached[c.Kind.String()] = append(reached[c.Kind.String()], store)
			}
		}
	}
	require.Equal(t, map[string][]string{
		"system store":  {"etc/pki/ca-trust/extracted/java/cacerts"},
		"Java keystore": {"opt/jdk-21/lib/security/cacerts"},
	}, reached)
}
