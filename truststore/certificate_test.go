package truststore_test

import (
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/proxykit/proxykit/truststore"
	"github.com/stretchr/testify/require"
)

func TestParseCertificatesReadsPEMAndDER(t *testing.T) {
	a, b := testCA(t, "Alpha CA"), testCA(t, "Beta CA")
	two := append(append([]byte("# two CAs\n"), a.PEM()...), b.PEM()...)
	cases := []struct {
		name  string
		in    []byte
		want  []truststore.Fingerprint
		error error
	}{
		{"one PEM block", a.PEM(), []truststore.Fingerprint{a.Fingerprint()}, nil},
		{"many PEM blocks with text around", two, []truststore.Fingerprint{a.Fingerprint(), b.Fingerprint()}, nil},
		{"DER", a.DER(), []truststore.Fingerprint{a.Fingerprint()}, nil},
		{"concatenated DER", append(a.DER(), b.DER()...), []truststore.Fingerprint{a.Fingerprint(), b.Fingerprint()}, nil},
		{"CRLF PEM", []byte(strings.ReplaceAll(string(a.PEM()), "\n", "\r\n")), []truststore.Fingerprint{a.Fingerprint()}, nil},
		{"PEM without certificates", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{0x30, 0}}), nil, truststore.ErrNoCertificate},
		{"garbage", []byte("hello"), nil, truststore.ErrMalformed},
		{"unclosed block", a.PEM()[:100], nil, truststore.ErrMalformed},
		{"bad base64", []byte("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"), nil, truststore.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			certs, err := truststore.ParseCertificates(tc.in)
			if tc.error != nil {
				require.ErrorIs(t, err, tc.error)
				return
			}
			require.NoError(t, err)
			var got []truststore.Fingerprint
			for _, c := range certs {
				got = append(got, c.Fingerprint())
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseCertificateWantsExactlyOne(t *testing.T) {
	a, b := testCA(t, "Alpha CA"), testCA(t, "Beta CA")
	_, err := truststore.ParseCertificate(append(a.PEM(), b.PEM()...))
	require.ErrorIs(t, err, truststore.ErrMalformed)
	require.ErrorContains(t, err, "found 2 certificates")
}

func TestSyntaxErrorSaysWhere(t *testing.T) {
	in := "# comment\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE----- \n-----BEGIN CERTIFICATE-----\nMIIB:x\n-----END CERTIFICATE-----\n"
	_, err := truststore.ListBundle([]byte(in))
	var se *truststore.SyntaxError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 2, se.Line)
	_, err = truststore.ListBundle([]byte(strings.Replace(in, "AAAA", "MAA=", 1)))
	require.ErrorAs(t, err, &se)
	require.Equal(t, 6, se.Line)
	require.Equal(t, "line 6: header inside a certificate block near \"MIIB:x\"", se.Error())
}

func TestFingerprintPrintsLikeKeytool(t *testing.T) {
	var f truststore.Fingerprint
	for i := range f {
		f[i] = byte(i * 9)
	}
	s := f.String()
	require.Equal(t, "00:09:12:1B:24:2D:36:3F:48:51:5A:63:6C:75:7E:87:90:99:A2:AB:B4:BD:C6:CF:D8:E1:EA:F3:FC:05:0E:17", s)
	for _, in := range []string{s, strings.ToLower(s), strings.ReplaceAll(s, ":", ""), " " + s + "\n", "SHA256: " + s, "sha256 Fingerprint=" + s} {
		g, err := truststore.ParseFingerprint(in)
		require.NoError(t, err, in)
		require.Equal(t, f, g)
	}
	_, err := truststore.ParseFingerprint("AB:CD")
	require.ErrorIs(t, err, truststore.ErrMalformed)
}

func TestWarningsSayWhatIsWrong(t *testing.T) {
	leafCA := issue(t, certSpec{name: "Issuer CA", ca: true}, nil)
	cases := []struct {
		name string
		spec certSpec
		want []string
	}{
		{"CA within validity", certSpec{name: "Good CA", ca: true}, nil},
		{"leaf", certSpec{name: "leaf.example", dns: "leaf.example"}, []string{"not a CA certificate (basicConstraints CA:FALSE); clients will not accept certificates it signed"}},
		{"no basic constraints", certSpec{name: "V1-ish", noBC: true}, []string{"not a CA certificate (no basicConstraints extension)"}},
		{"expired", certSpec{name: "Old CA", ca: true, notAfter: epoch.Add(-48 * time.Hour)}, []string{"expired on 2025-12-31"}},
		{"not yet valid", certSpec{name: "Future CA", ca: true, notBefore: epoch.Add(24 * time.Hour)}, []string{"not valid before 2026-01-03"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var parent = leafCA
			if tc.spec.ca || tc.spec.noBC {
				parent = nil
			}
			c, err := truststore.ParseCertificate(issue(t, tc.spec, parent).Raw)
			require.NoError(t, err)
			var got []string
			for _, w := range c.Warnings(epoch) {
				require.Equal(t, c.Fingerprint(), w.Certificate)
				require.Contains(t, w.String(), c.Fingerprint().String())
				got = append(got, w.Problem)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestAliasIsLowerCaseAndStable(t *testing.T) {
	c := testCA(t, "Corp Proxy CA (2026)")
	require.Equal(t, c.Alias(), testCA(t, "Corp Proxy CA (2026)").Alias())
	require.True(t, strings.HasPrefix(c.Alias(), "corp-proxy-ca-2026-"), c.Alias())
	require.Len(t, c.Alias(), len("corp-proxy-ca-2026-")+8)
}
