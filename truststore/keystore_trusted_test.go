package truststore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

// TestTrustedCertificates: the certificates a JVM trusts are those of the
// trusted entries, the same ListKeystore lists; key entries are left out; a
// wrong JKS password is refused.
func TestTrustedCertificates(t *testing.T) {
	ca := testCA(t, "Trusted Certificates Test CA")
	for _, tc := range []struct {
		name string
		ks   []byte
		opts []truststore.KeystoreOption
	}{
		{"new JKS", nil, nil},
		{"new PKCS12", nil, []truststore.KeystoreOption{truststore.WithNewFormat(truststore.FormatPKCS12)}},
		{"PKCS12 with a key", readKeystore(t, "with-key.p12"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := truststore.AddToKeystore(ca, "test", tc.opts...)(tc.ks)
			require.NoError(t, err)
			certs, _, err := truststore.TrustedCertificates(ks)
			require.NoError(t, err)
			entries, _, err := truststore.ListKeystore(ks)
			require.NoError(t, err)
			var want []truststore.Fingerprint
			for _, e := range entries {
				if e.Trusted {
					want = append(want, e.Fingerprint)
				}
			}
			var got []truststore.Fingerprint
			for _, c := range certs {
				got = append(got, c.Fingerprint())
			}
			require.Equal(t, want, got)
			require.Contains(t, got, ca.Fingerprint())
		})
	}
	ks, err := truststore.AddToKeystore(ca, "test")(nil)
	require.NoError(t, err)
	_, _, err = truststore.TrustedCertificates(ks, truststore.WithPassword(truststore.NewPassword("wrong")))
	require.ErrorIs(t, err, truststore.ErrWrongPassword)
}
