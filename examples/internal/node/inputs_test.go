package node_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestInputsNoClientCanUseAreRefused: no-proxy entries no client can
// match, a "*" not confirmed with -bypass-all, and a -ca that is not a CA
// or has expired are errors (exit 1, nothing written) naming the entry or
// the certificate and the flag that would allow it.
func TestInputsNoClientCanUseAreRefused(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	write := func(name string, isCA bool, notAfter time.Time) string {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-48 * time.Hour), NotAfter: notAfter,
			BasicConstraintsValid: true, IsCA: isCA, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		require.NoError(t, err)
		p := filepath.Join(dir, name+".pem")
		require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
		return p
	}
	good := write("good-ca", true, now.Add(24*time.Hour))
	leaf := write("leaf", false, now.Add(24*time.Hour))
	expired := write("expired-ca", true, now.Add(-time.Hour))

	prog := &node.Program{
		Name: "inputs",
		Build: func(n *node.Node) error {
			edit, _, err := n.Config.Settings.EtcEnvironment()
			if err != nil {
				return err
			}
			n.Edit(plan.Step{Path: "etc/environment", Edit: edit})
			return node.AddCA(n, node.CAOptions{Bundles: []string{"etc/bundle.pem"}})
		},
	}
	for _, tc := range []struct {
		name   string
		args   []string
		stderr []string // empty: accepted
	}{
		{"a CIDR no client matches", []string{"-no-proxy", "localhost,10.0.0.0/33"}, []string{`-no-proxy entry "10.0.0.0/33"`, "no client can match it"}},
		{"an unclosed IPv6 bracket", []string{"-no-proxy", "[::1"}, []string{`-no-proxy entry "[::1"`}},
		{"every host direct", []string{"-no-proxy", "*"}, []string{`-no-proxy entry "*" sends every host direct`, "-bypass-all"}},
		{"every host direct, confirmed", []string{"-no-proxy", "*", "-bypass-all"}, nil},
		{"a CA", []string{"-ca", good}, nil},
		{"a leaf certificate", []string{"-ca", leaf}, []string{"-ca " + leaf, `"leaf"`, "basicConstraints CA:FALSE", "-allow-leaf"}},
		{"a leaf certificate, allowed", []string{"-ca", leaf, "-allow-leaf"}, nil},
		{"an expired CA", []string{"-ca", expired}, []string{`"expired-ca"`, "expired on", "-allow-expired"}},
		{"an expired CA, allowed", []string{"-ca", expired, "-allow-expired"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(root, "etc", "environment"), []byte("LANG=C\n"), 0o644))
			var stdout, stderr bytes.Buffer
			code := prog.Run(append(append([]string{"-root", root, "-proxy", "http://proxy.corp:3128"}, tc.args...), "apply"), &stdout, &stderr)
			if len(tc.stderr) == 0 {
				require.Equal(t, node.ExitOK, code, stderr.String())
				return
			}
			require.Equal(t, node.ExitError, code, stdout.String())
			for _, s := range tc.stderr {
				require.Contains(t, stderr.String(), s)
			}
			b, err := os.ReadFile(filepath.Join(root, "etc", "environment"))
			require.NoError(t, err)
			require.Equal(t, "LANG=C\n", string(b), "nothing written")
		})
	}
}
