// Package cafetchtest provides loopback servers for testing code that gets
// and uses a certificate authority: deterministic test CAs ([NewCA]), a
// cluster that serves its CA the way DC/OS does ([NewCluster]), and a small
// TLS-intercepting proxy ([NewProxy]) that re-signs every CONNECT target with
// a test CA, as corporate proxies do.
//
// Everything listens on 127.0.0.1 only, every connection has a deadline, and
// every server is stopped by the test's Cleanup.
package cafetchtest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/truststore"
)

// Validity of every certificate made here: fixed, so that certificates (and
// their fingerprints) are the same on every run.
var (
	NotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	NotAfter  = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CA is a test certificate authority. Its key and certificate are derived
// from its name (and its parent's), so the same name gives the same
// certificate and fingerprint on every run.
type CA struct {
	Cert   *x509.Certificate
	Key    ed25519.PrivateKey
	parent *CA
}

// NewCA returns a self-signed root CA with the common name name.
func NewCA(name string) *CA { return newCA(name, nil) }

// NewIntermediate returns a CA with the common name name, issued by ca.
func (ca *CA) NewIntermediate(name string) *CA { return newCA(name, ca) }

func newCA(name string, parent *CA) *CA {
	key := keyFor("ca", name, parent)
	tmpl := &x509.Certificate{
		SerialNumber:          serialFor("ca", name),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"proxykit test"}},
		NotBefore:             NotBefore,
		NotAfter:              NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.Key, parent.Cert
	}
	cert := mustCreate(tmpl, signerCert, key.Public(), signer)
	return &CA{Cert: cert, Key: key, parent: parent}
}

// PEM returns the CA's certificate as one PEM block.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Fingerprint returns the SHA-256 fingerprint of the CA's certificate.
func (ca *CA) Fingerprint() truststore.Fingerprint { return truststore.FingerprintOf(ca.Cert.Raw) }

// Chain returns ca and its issuers up to the root, ca first.
func (ca *CA) Chain() []*x509.Certificate {
	var chain []*x509.Certificate
	for c := ca; c != nil; c = c.parent {
		chain = append(chain, c.Cert)
	}
	return chain
}

// Root returns the self-signed root above ca (ca itself for a root).
func (ca *CA) Root() *CA {
	c := ca
	for c.parent != nil {
		c = c.parent
	}
	return c
}

// Issue returns a server certificate for hosts (DNS names or IP addresses)
// signed by ca, and its key.
func (ca *CA) Issue(hosts ...string) (*x509.Certificate, ed25519.PrivateKey) {
	id := ""
	for _, h := range hosts {
		id += h + ","
	}
	key := keyFor("leaf", id, ca)
	tmpl := &x509.Certificate{
		SerialNumber: serialFor("leaf", id+ca.Cert.Subject.CommonName),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    NotBefore,
		NotAfter:     NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return mustCreate(tmpl, ca.Cert, key.Public(), ca.Key), key
}

// TLSCertificate returns a server certificate for hosts signed by ca,
// presented with the given chain after the leaf (for example ca.Chain()).
func (ca *CA) TLSCertificate(chain []*x509.Certificate, hosts ...string) tls.Certificate {
	leaf, key := ca.Issue(hosts...)
	tc := tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
	for _, c := range chain {
		tc.Certificate = append(tc.Certificate, c.Raw)
	}
	return tc
}

func keyFor(kind, name string, parent *CA) ed25519.PrivateKey {
	h := sha256.New()
	h.Write([]byte("proxykit cafetchtest " + kind + "\x00" + name + "\x00"))
	if parent != nil {
		h.Write(parent.Cert.Raw)
	}
	return ed25519.NewKeyFromSeed(h.Sum(nil))
}

func serialFor(kind, name string) *big.Int {
	sum := sha256.Sum256([]byte(kind + "\x00" + name))
	return new(big.Int).SetBytes(sum[:16])
}

func mustCreate(tmpl, parent *x509.Certificate, pub any, priv any) *x509.Certificate {
	der, err := x509.CreateCertificate(nil, tmpl, parent, pub, priv)
	if err != nil {
		panic("cafetchtest: " + err.Error())
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic("cafetchtest: " + err.Error())
	}
	return c
}

// NewCluster starts a cluster with [StartCluster] and closes it when the
// test ends.
func NewCluster(t testing.TB, ca *CA, body []byte) *httptest.Server {
	t.Helper()
	srv := StartCluster(ca, body)
	t.Cleanup(srv.Close)
	return srv
}

// StartCluster starts an HTTPS server on 127.0.0.1 whose certificate is
// signed by ca and which serves body at [probe.DCOSCAPath] (ca's PEM when
// body is nil), as a DC/OS master does. The caller closes it.
func StartCluster(ca *CA, body []byte) *httptest.Server {
	if body == nil {
		body = ca.PEM()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+probe.DCOSCAPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-x509-ca-cert")
		_, _ = w.Write(body)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ReadHeaderTimeout = 5 * time.Second
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes refused by clients that do not trust ca
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.TLSCertificate(nil, "127.0.0.1", "localhost")}}
	srv.StartTLS()
	return srv
}
