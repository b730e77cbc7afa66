package truststore_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/proxykit/proxykit/truststore"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// epoch is the fixed "now" of the tests.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testKey derives an Ed25519 key from a name: test certificates are the same
// bytes on every run.
func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("proxykit test key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

type certSpec struct {
	name      string // subject CN; also seeds the key
	org       string
	ca        bool
	noBC      bool // omit basicConstraints
	notBefore time.Time
	notAfter  time.Time
	dns       string // leaf DNS name
}

// issue creates a certificate for spec signed by parent (self-signed when
// parent is nil), deterministically.
func issue(t testing.TB, spec certSpec, parent *x509.Certificate) *x509.Certificate {
	t.Helper()
	if spec.notBefore.IsZero() {
		spec.notBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	key := testKey(spec.name)
	sum := sha256.Sum256([]byte(spec.name))
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(sum[:8]),
		Subject:               pkix.Name{CommonName: spec.name},
		NotBefore:             spec.notBefore,
		NotAfter:              spec.notAfter,
		BasicConstraintsValid: !spec.noBC,
		IsCA:                  spec.ca,
		SubjectKeyId:          sum[:20],
	}
	if spec.org != "" {
		tmpl.Subject.Organization = []string{spec.org}
	}
	if spec.ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	if spec.dns != "" {
		tmpl.DNSNames = []string{spec.dns}
	}
	signer, issuer := key, tmpl
	if parent != nil {
		signer, issuer = testKey(parent.Subject.CommonName), parent
		tmpl.AuthorityKeyId = parent.SubjectKeyId
	}
	der, err := x509.CreateCertificate(nil, tmpl, issuer, key.Public(), signer)
	require.NoError(t, err)
	x, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return x
}

// testCA returns a deterministic CA certificate named name.
func testCA(t testing.TB, name string) *truststore.Certificate {
	t.Helper()
	c, err := truststore.ParseCertificate(issue(t, certSpec{name: name, org: "Proxykit Test", ca: true}, nil).Raw)
	require.NoError(t, err)
	return c
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, got, 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test -update to create it")
	if utf8.Valid(want) {
		require.Equal(t, string(want), string(got), "%s (go test -update rewrites it)", p)
		return
	}
	if !bytes.Equal(want, got) {
		i := 0
		for i < len(want) && i < len(got) && want[i] == got[i] {
			i++
		}
		t.Fatalf("%s: %d bytes, want %d, first difference at byte %d (go test -update rewrites it)", p, len(got), len(want), i)
	}
}
