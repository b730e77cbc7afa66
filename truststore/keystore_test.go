package truststore_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proxykit/proxykit/truststore"
	"github.com/stretchr/testify/require"
)

func readKeystore(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keystore", name))
	require.NoError(t, err)
	return b
}

// isrgX1 is the SHA-256 fingerprint of ISRG Root X1 as keytool prints it.
const isrgX1 = "96:BC:EC:06:26:49:76:F3:74:60:77:9A:CF:28:C5:A7:CF:E8:A3:C0:AA:E1:1A:8F:FC:EE:05:C0:BD:DF:08:C6"

func TestDetectKeystore(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want truststore.KeystoreFormat
	}{
		{"JKS cacerts", readKeystore(t, "debian-cacerts.jks"), truststore.FormatJKS},
		{"JKS with a key", readKeystore(t, "with-key.jks"), truststore.FormatJKS},
		{"password-less PKCS12 cacerts", readKeystore(t, "jdk-cacerts.p12"), truststore.FormatPKCS12},
		{"password-less PKCS12 with a key", readKeystore(t, "with-key.p12"), truststore.FormatPKCS12},
		{"password-protected PKCS12", readKeystore(t, "protected.p12"), truststore.FormatPKCS12Protected},
		{"JCEKS", readKeystore(t, "store.jceks"), truststore.FormatJCEKS},
		{"PEM", testCA(t, "Alpha Root CA").PEM(), truststore.FormatUnknown},
		{"DER certificate", testCA(t, "Alpha Root CA").DER(), truststore.FormatUnknown},
		{"empty", nil, truststore.FormatUnknown},
		{"truncated PKCS12", readKeystore(t, "jdk-cacerts.p12")[:100], truststore.FormatUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, truststore.DetectKeystore(tc.in), "got %s", truststore.DetectKeystore(tc.in))
		})
	}
}

func TestListKeystore(t *testing.T) {
	for _, name := range []string{"debian-cacerts.jks", "jdk-cacerts.p12"} {
		t.Run(name, func(t *testing.T) {
			entries, _, err := truststore.ListKeystore(readKeystore(t, name))
			require.NoError(t, err)
			require.Len(t, entries, 5)
			var last truststore.KeystoreEntry
			for _, e := range entries {
				if e.Alias == "debian:isrg_root_x1.pem" {
					last = e
				}
			}
			require.Equal(t, isrgX1, last.Fingerprint.String())
			require.True(t, last.Trusted)
			if strings.HasSuffix(name, ".jks") {
				require.Equal(t, "2025-06-24", last.Created.Format(time.DateOnly))
			}
		})
	}
}

// storeCase is a keystore the proxy CA is added to.
type storeCase struct {
	name string
	in   []byte
	opts []truststore.KeystoreOption
	// restores: removing after adding gives in back byte for byte.
	restores bool
}

func storeCases(t testing.TB) []storeCase {
	return []storeCase{
		{name: "debian cacerts JKS", in: readKeystore(t, "debian-cacerts.jks"), restores: true},
		{name: "JKS with a private key", in: readKeystore(t, "with-key.jks")},
		{name: "JDK cacerts PKCS12", in: readKeystore(t, "jdk-cacerts.p12"), restores: true},
		{name: "PKCS12 with a private key", in: readKeystore(t, "with-key.p12"), restores: true},
		{name: "fresh JKS", in: nil},
		{name: "fresh PKCS12", in: nil, opts: []truststore.KeystoreOption{truststore.WithNewFormat(truststore.FormatPKCS12)}},
	}
}

func TestAddToKeystore(t *testing.T) {
	proxy := testCA(t, "Corp Proxy CA")
	for _, tc := range storeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			add := truststore.AddToKeystore(proxy, "Corp-Proxy", tc.opts...)
			out, err := add(tc.in)
			require.NoError(t, err)

			var before []truststore.KeystoreEntry
			if tc.in != nil {
				before, _, err = truststore.ListKeystore(tc.in)
				require.NoError(t, err)
			}
			after, _, err := truststore.ListKeystore(out)
			require.NoError(t, err)
			require.ElementsMatch(t, append(before, truststore.KeystoreEntry{
				Alias: "corp-proxy", Trusted: true, Fingerprint: proxy.Fingerprint(), Created: createdFor(tc.in, out, proxy),
			}), after, "old entries (aliases, dates) kept, one added")

			again, err := add(out)
			require.NoError(t, err)
			require.Equal(t, out, again, "adding twice equals adding once")
			other, err := truststore.AddToKeystore(proxy, "", tc.opts...)(out)
			require.NoError(t, err)
			require.Equal(t, out, other, "present under another alias: no-op")

			rerun, err := truststore.AddToKeystore(proxy, "corp-proxy", tc.opts...)(tc.in)
			require.NoError(t, err)
			require.Equal(t, out, rerun, "byte-identical across runs")
			golden(t, "keystore/golden/"+strings.ReplaceAll(tc.name, " ", "-")+"+corp-proxy", out)

			back, err := truststore.RemoveFromKeystore(proxy.Fingerprint(), tc.opts...)(out)
			require.NoError(t, err)
			restored, _, err := truststore.ListKeystore(back)
			require.NoError(t, err)
			require.ElementsMatch(t, before, restored, "remove restores the entry set")
			if tc.restores {
				require.Equal(t, tc.in, back, "remove restores the bytes")
			}
			gone, err := truststore.RemoveFromKeystore(proxy.Fingerprint(), tc.opts...)(back)
			require.NoError(t, err)
			require.Equal(t, back, gone, "removing an absent CA changes nothing")
		})
	}
}

// createdFor is the creation date ListKeystore reports for the added entry:
// the certificate's NotBefore in JKS, nothing in PKCS#12.
func createdFor(in, out []byte, c *truststore.Certificate) time.Time {
	if truststore.DetectKeystore(out) == truststore.FormatPKCS12 {
		return time.Time{}
	}
	return c.X509().NotBefore.UTC()
}

func TestAddToKeystoreCreationDate(t *testing.T) {
	proxy := testCA(t, "Corp Proxy CA")
	out, err := truststore.AddToKeystore(proxy, "p", truststore.WithCreated(epoch))(nil)
	require.NoError(t, err)
	entries, _, err := truststore.ListKeystore(out)
	require.NoError(t, err)
	require.Equal(t, epoch, entries[0].Created)
}

func TestKeystoreEditErrors(t *testing.T) {
	proxy := testCA(t, "Corp Proxy CA")
	isrg, err := truststore.ParseCertificate(readCertifiISRG(t))
	require.NoError(t, err)
	secret := truststore.NewPassword("s3cret-Pa55")
	cases := []struct {
		name    string
		edit    func([]byte) ([]byte, error)
		in      []byte
		want    error
		command string // expected in a FormatError
	}{
		{"wrong JKS password on add", truststore.AddToKeystore(proxy, "", truststore.WithPassword(secret)), readKeystore(t, "debian-cacerts.jks"), truststore.ErrWrongPassword, ""},
		{"wrong JKS password on remove", truststore.RemoveFromKeystore(proxy.Fingerprint(), truststore.WithPassword(secret)), readKeystore(t, "debian-cacerts.jks"), truststore.ErrWrongPassword, ""},
		{"alias taken by another certificate (JKS)", truststore.AddToKeystore(proxy, "debian:isrg_root_x1.pem"), readKeystore(t, "debian-cacerts.jks"), truststore.ErrAliasTaken, ""},
		{"alias taken, other case (PKCS12)", truststore.AddToKeystore(proxy, "DEBIAN:ISRG_ROOT_X1.PEM"), readKeystore(t, "jdk-cacerts.p12"), truststore.ErrAliasTaken, ""},
		{"alias taken by a key entry", truststore.AddToKeystore(proxy, "server"), readKeystore(t, "with-key.jks"), truststore.ErrAliasTaken, ""},
		{"JCEKS", truststore.AddToKeystore(proxy, "corp", truststore.WithPassword(secret)), readKeystore(t, "store.jceks"), truststore.ErrUnsupportedFormat,
			"keytool -importcert -noprompt -storetype JCEKS -keystore KEYSTORE -storepass:env STOREPASS -alias corp -file CA.pem"},
		{"protected PKCS12", truststore.AddToKeystore(proxy, "corp"), readKeystore(t, "protected.p12"), truststore.ErrUnsupportedFormat,
			"keytool -importcert -noprompt -storetype PKCS12 -keystore KEYSTORE -storepass:env STOREPASS -alias corp -file CA.pem"},
		{"protected PKCS12 remove", truststore.RemoveFromKeystore(isrg.Fingerprint()), readKeystore(t, "protected.p12"), truststore.ErrUnsupportedFormat,
			"keytool -delete -noprompt -storetype PKCS12 -keystore KEYSTORE -storepass:env STOREPASS -alias ALIAS"},
		{"not a keystore", truststore.AddToKeystore(proxy, ""), proxy.PEM(), truststore.ErrMalformed, ""},
		{"truncated JKS", truststore.AddToKeystore(proxy, ""), readKeystore(t, "debian-cacerts.jks")[:3000], truststore.ErrMalformed, ""},
		{"truncated PKCS12", truststore.AddToKeystore(proxy, ""), readKeystore(t, "jdk-cacerts.p12")[:3000], truststore.ErrMalformed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.edit(tc.in)
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, out, "an error returns no bytes")
			require.NotContains(t, err.Error(), "s3cret")
			if tc.command != "" {
				var fe *truststore.FormatError
				require.ErrorAs(t, err, &fe)
				require.Equal(t, tc.command, fe.Command)
			}
		})
	}
	// The right password, given explicitly, works.
	_, err = truststore.AddToKeystore(proxy, "", truststore.WithPassword(truststore.NewPassword("changeit")))(readKeystore(t, "debian-cacerts.jks"))
	require.NoError(t, err)
	// Present under another alias in a real store: no-op.
	in := readKeystore(t, "jdk-cacerts.p12")
	out, err := truststore.AddToKeystore(isrg, "my-isrg")(in)
	require.NoError(t, err)
	require.Equal(t, in, out)
}

func readCertifiISRG(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "certifi-isrg-root-x1.pem"))
	require.NoError(t, err)
	return b
}

func TestPasswordNeverPrints(t *testing.T) {
	p := truststore.NewPassword("hunter2")
	type wrapper struct{ P truststore.Password }
	for _, s := range []string{
		p.String(), fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q %x", p, p, p, p, p, p),
		fmt.Sprintf("%+v %#v", wrapper{p}, wrapper{p}),
	} {
		require.NotContains(t, s, "hunter2")
		require.Contains(t, s, "xxxxx")
	}
	j, err := json.Marshal(wrapper{p})
	require.NoError(t, err)
	require.Equal(t, `{"P":"xxxxx"}`, string(j))
}

// TestListKeystoreMatchesRecordedKeytool compares ListKeystore with what
// keytool -list -v printed for the same files (recorded in testdata/oracle):
// aliases, SHA-256 fingerprints and, for JKS, creation dates.
func TestListKeystoreMatchesRecordedKeytool(t *testing.T) {
	for _, name := range []string{"debian-cacerts.jks", "jdk-cacerts.p12", "with-key.jks"} {
		t.Run(name, func(t *testing.T) {
			rec, err := os.ReadFile(filepath.Join("testdata", "oracle", "keytool-list-v-"+name+".txt"))
			require.NoError(t, err)
			want := keytoolEntries(string(rec))
			entries, _, err := truststore.ListKeystore(readKeystore(t, name))
			require.NoError(t, err)
			require.Len(t, entries, len(want))
			for _, e := range entries {
				w, ok := want[e.Alias]
				require.True(t, ok, e.Alias)
				require.Equal(t, w.sha256, e.Fingerprint.String(), e.Alias)
				if strings.HasSuffix(name, ".jks") {
					require.Equal(t, w.created, e.Created.UTC().Format("Jan 2, 2006"), e.Alias)
				}
			}
		})
	}
}

func TestFormatErrorQuotesTheAlias(t *testing.T) {
	_, err := truststore.AddToKeystore(testCA(t, "Corp Proxy CA"), "corp's proxy")(readKeystore(t, "store.jceks"))
	var fe *truststore.FormatError
	require.ErrorAs(t, err, &fe)
	require.Contains(t, fe.Command, `-alias 'corp'\''s proxy' -file CA.pem`)
	require.Equal(t, `add "Corp Proxy CA" to keystore: `+
		"JCEKS keystores are not edited here; use: "+fe.Command, err.Error())
}
