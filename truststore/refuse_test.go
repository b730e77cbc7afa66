package truststore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

// TestBundleEditsRefuseWhatIsNotABundle: the bundle edits and ListBundle
// refuse a binary file, a text file without PEM, and a bundle with a broken
// certificate in the middle, with ErrMalformed and no bytes; a file of
// comments only, or no file, is a bundle to add to.
func TestBundleEditsRefuseWhatIsNotABundle(t *testing.T) {
	a, b, c := testCA(t, "Alpha CA"), testCA(t, "Beta CA"), testCA(t, "Gamma CA")
	broken := "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n" // an empty SEQUENCE: base64 and DER fine, no certificate
	for _, tc := range []struct {
		name, in string
		refused  bool
	}{
		{"binary file", "\x7fELF\x02\x01\x01\x00\x00\x00garbage", true},
		{"binary file with PEM inside", string(a.PEM()) + "\x00\x01\x02", true},
		{"text without PEM", "this is a README\n", true},
		{"broken certificate in the middle", string(a.PEM()) + broken + string(b.PEM()), true},
		{"comments only", "# an empty bundle\n\n", false},
		{"empty file", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for name, edit := range map[string]func([]byte) ([]byte, error){
				"AddToBundle":      truststore.AddToBundle(c),
				"RemoveFromBundle": truststore.RemoveFromBundle(a.Fingerprint()),
			} {
				out, err := edit([]byte(tc.in))
				if !tc.refused {
					require.NoError(t, err, name)
					continue
				}
				require.ErrorIs(t, err, truststore.ErrMalformed, name)
				require.Nil(t, out, name)
			}
			_, err := truststore.ListBundle([]byte(tc.in))
			if tc.refused {
				require.ErrorIs(t, err, truststore.ErrMalformed)
			} else {
				require.NoError(t, err)
			}
		})
	}
}
