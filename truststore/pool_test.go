package truststore_test

import (
	"crypto/x509"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

func TestSystemPoolReadsTheSystemBundle(t *testing.T) {
	ca := testCA(t, "Alpha Root CA")
	pool, err := truststore.SystemPool(fstest.MapFS{
		"etc/os-release":                    file([]byte("ID=debian\n")),
		"etc/ssl/certs/ca-certificates.crt": link("/usr/share/ca.pem"),
		"usr/share/ca.pem":                  file(ca.PEM()),
	})
	require.NoError(t, err)
	assert.True(t, pool.Equal(func() *x509.CertPool { p := x509.NewCertPool(); p.AddCert(ca.X509()); return p }()))

	_, err = truststore.SystemPool(fstest.MapFS{})
	require.ErrorIs(t, err, truststore.ErrUnknownLayout)
	_, err = truststore.SystemPool(fstest.MapFS{"etc/os-release": file([]byte("ID=debian\n")), "etc/ssl/certs/ca-certificates.crt": file([]byte("# empty\n"))})
	require.ErrorIs(t, err, truststore.ErrNoCertificate)
}
