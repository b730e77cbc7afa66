package truststore_test

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/truststore"
	"github.com/stretchr/testify/require"
)

// bundleCase is an existing bundle and what adding the proxy CA to it must
// give.
type bundleCase struct {
	name    string
	in      []byte
	present bool // the CA is already in the bundle
	// restores: removing the CA after adding it gives in back byte for byte.
	restores bool
}

func (c bundleCase) String() string { return c.name }

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

// bundleCases builds bundles in the styles found on real nodes from
// deterministic test CAs.
func bundleCases(t testing.TB) (proxy *truststore.Certificate, cases []bundleCase) {
	a, b := testCA(t, "Alpha Root CA"), testCA(t, "Beta Root CA")
	proxy = testCA(t, "Corp Proxy CA")
	certifiA := certifiHeader(t, a)
	plain := append(a.PEM(), b.PEM()...)
	certifi := []byte("\n" + certifiA + string(a.PEM()) + "\n" + certifiHeader(t, b) + string(b.PEM()))
	curl := []byte("##\n## Bundle of CA Root Certificates\n##\n\nAlpha Root CA\n=============\n" + string(a.PEM()) +
		"\nBeta Root CA\n============\n" + string(b.PEM()))
	p11 := []byte("# Alpha Root CA\n" + string(a.PEM()) + "# Beta Root CA\n" + string(b.PEM()))
	cases = []bundleCase{
		{name: "no file", in: nil},
		{name: "empty file", in: []byte{}, restores: true},
		{name: "plain", in: plain, restores: true},
		{name: "plain without final newline", in: bytes.TrimSuffix(plain, []byte("\n"))},
		{name: "plain CRLF", in: crlf(plain), restores: true},
		{name: "CRLF without final newline", in: bytes.TrimSuffix(crlf(plain), []byte("\r\n"))},
		{name: "certifi", in: certifi, restores: true},
		{name: "certifi CRLF", in: crlf(certifi), restores: true},
		{name: "curl mk-ca-bundle", in: curl, restores: true},
		{name: "p11-kit comments", in: p11, restores: true},
		{name: "comments and trailing text", in: []byte("# local additions\n" + string(plain) + "# end\n"), restores: true},
		{name: "already present under another label", in: append(append([]byte("# Old name\n"), proxy.PEM()...), plain...), present: true},
		{name: "already present CRLF without final newline", in: bytes.TrimSuffix(crlf(append(plain, proxy.PEM()...)), []byte("\r\n")), present: true},
		{name: "duplicates kept", in: append(append([]byte{}, plain...), a.PEM()...), restores: true},
		{name: "already present as OpenSSL TRUSTED CERTIFICATE", in: append(append([]byte{}, plain...), pem.EncodeToMemory(&pem.Block{
			Type: "TRUSTED CERTIFICATE", Bytes: append(proxy.DER(), 0x30, 0x00), // an empty X509_CERT_AUX
		})...), present: true},
	}
	return proxy, cases
}

func certifiHeader(t testing.TB, c *truststore.Certificate) string {
	// Built through the package's own writer on an empty certifi-style
	// bundle, so the fixture and the output agree on the format.
	seed := "\n# Issuer: CN=Seed\n" + string(testCA(t, "Seed").PEM())
	out, err := truststore.AddToBundle(c)([]byte(seed))
	require.NoError(t, err)
	s := strings.TrimPrefix(string(out), seed+"\n")
	return s[:strings.Index(s, "-----BEGIN")]
}

func fingerprints(t testing.TB, bundle []byte) []truststore.Fingerprint {
	t.Helper()
	entries, err := truststore.ListBundle(bundle)
	require.NoError(t, err)
	var fps []truststore.Fingerprint
	for _, e := range entries {
		fps = append(fps, e.Fingerprint)
	}
	return fps
}

func TestAddToBundle(t *testing.T) {
	proxy, cases := bundleCases(t)
	add := truststore.AddToBundle(proxy)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := add(tc.in)
			require.NoError(t, err)
			golden(t, fmt.Sprintf("bundle/%02d-%s.pem", i, strings.ReplaceAll(tc.name, " ", "-")), out)

			if tc.present {
				require.Equal(t, tc.in, out, "adding a present CA changes nothing")
			} else {
				require.Equal(t, append(fingerprints(t, tc.in), proxy.Fingerprint()), fingerprints(t, out))
				require.True(t, bytes.HasPrefix(out, bytes.TrimRight(tc.in, "\r\n")), "old bytes kept")
				if bytes.Contains(tc.in, []byte("\r\n")) {
					require.Equal(t, bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r\n")), "CRLF kept")
				}
			}
			again, err := add(out)
			require.NoError(t, err)
			require.Equal(t, out, again, "adding twice equals adding once")

			back, err := truststore.RemoveFromBundle(proxy.Fingerprint())(out)
			require.NoError(t, err)
			require.NotContains(t, fingerprints(t, back), proxy.Fingerprint())
			if tc.restores {
				require.Equal(t, string(tc.in), string(back), "remove undoes add")
			}
		})
	}
}

func TestBundleHeaderFollowsStyle(t *testing.T) {
	proxy, cases := bundleCases(t)
	want := map[string]string{
		"plain":                       "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----",
		"certifi":                     "-----END CERTIFICATE-----\n\n# Issuer: CN=Corp Proxy CA O=Proxykit Test\n# Subject: CN=Corp Proxy CA O=Proxykit Test\n# Label: \"Corp Proxy CA\"\n# Serial: ",
		"curl mk-ca-bundle":           "-----END CERTIFICATE-----\n\nCorp Proxy CA\n=============\n-----BEGIN CERTIFICATE-----",
		"p11-kit comments":            "-----END CERTIFICATE-----\n# Corp Proxy CA\n-----BEGIN CERTIFICATE-----",
		"plain CRLF":                  "-----END CERTIFICATE-----\r\n-----BEGIN CERTIFICATE-----",
		"certifi CRLF":                "-----END CERTIFICATE-----\r\n\r\n# Issuer: CN=Corp Proxy CA",
		"plain without final newline": "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----",
	}
	for _, tc := range cases {
		w, ok := want[tc.name]
		if !ok {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			out, err := truststore.AddToBundle(proxy)(tc.in)
			require.NoError(t, err)
			require.Contains(t, string(out[len(tc.in)-len("-----END CERTIFICATE-----\n")-1:]), w)
			entries, err := truststore.ListBundle(out)
			require.NoError(t, err)
			if tc.name != "plain" && !strings.HasPrefix(tc.name, "plain") {
				require.Equal(t, "Corp Proxy CA", entries[len(entries)-1].Label)
			}
		})
	}
}

func TestRemoveFromBundle(t *testing.T) {
	a, b := testCA(t, "Alpha Root CA"), testCA(t, "Beta Root CA")
	cases := []struct {
		name, in, want string
	}{
		{"absent is a no-op", string(a.PEM()), string(a.PEM())},
		{"middle of plain", string(a.PEM()) + string(b.PEM()) + string(a.PEM()), string(a.PEM()) + string(a.PEM())},
		{"with header and blank line before", "\n# A\n" + string(a.PEM()) + "\n# B\n" + string(b.PEM()), "\n# A\n" + string(a.PEM())},
		{"first, blank line after", "# B\n" + string(b.PEM()) + "\n# A\n" + string(a.PEM()), "# A\n" + string(a.PEM())},
		{"every copy", string(b.PEM()) + string(a.PEM()) + "# again\n" + string(b.PEM()), string(a.PEM())},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := truststore.RemoveFromBundle(b.Fingerprint())([]byte(tc.in))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(out))
		})
	}
}

func TestBundleEditRefusesWhatItCannotRead(t *testing.T) {
	proxy := testCA(t, "Corp Proxy CA")
	for _, in := range []string{
		"-----BEGIN CERTIFICATE-----\nMIIB\n",
		"-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMAA=\n-----END X509 CRL-----\n",
	} {
		out, err := truststore.AddToBundle(proxy)([]byte(in))
		require.ErrorIs(t, err, truststore.ErrMalformed)
		require.Nil(t, out)
		out, err = truststore.RemoveFromBundle(proxy.Fingerprint())([]byte(in))
		require.ErrorIs(t, err, truststore.ErrMalformed)
		require.Nil(t, out)
	}
}

// TestBundleOracles has OpenSSL (both through python's ssl module and the
// openssl command) load every bundle before and after the add: it must load
// the old certificates plus one. One python process answers every case.
func TestBundleOracles(t *testing.T) {
	python := oracle.Require(t, "python3")
	openssl := oracle.Require(t, "openssl")
	t.Logf("%s; %s", oracle.Version(python), oracle.Version(openssl, "version"))
	proxy, cases := bundleCases(t)
	dir := t.TempDir()
	var files []string
	wantCount := map[string]int{}
	for i, tc := range cases {
		out, err := truststore.AddToBundle(proxy)(tc.in)
		require.NoError(t, err)
		unique := map[truststore.Fingerprint]bool{}
		for _, fp := range fingerprints(t, tc.in) {
			unique[fp] = true
		}
		before := filepath.Join(dir, fmt.Sprintf("%02d-before.pem", i))
		after := filepath.Join(dir, fmt.Sprintf("%02d-after.pem", i))
		require.NoError(t, os.WriteFile(before, tc.in, 0o644))
		require.NoError(t, os.WriteFile(after, out, 0o644))
		wantCount[after] = len(unique) + 1
		if tc.present {
			wantCount[after] = len(unique)
		}
		files = append(files, after)
		if len(unique) > 0 {
			wantCount[before] = len(unique)
			files = append(files, before)
		}
	}
	// python: the store's certificate count for each file.
	script := `import json, ssl, sys
out = {}
for f in sys.argv[1:]:
    ctx = ssl.create_default_context(cafile=f)
    out[f] = ctx.cert_store_stats()["x509"]
print(json.dumps(out))`
	got, err := exec.Command(python, append([]string{"-c", script}, files...)...).CombinedOutput()
	require.NoError(t, err, "%s", got)
	var pyCounts map[string]int
	require.NoError(t, json.Unmarshal(got, &pyCounts))
	require.Equal(t, wantCount, pyCounts)

	// openssl: one shell runs crl2pkcs7 on every file and counts certificates
	// (crl2pkcs7 keeps duplicates, so compare with the listed count).
	var sh strings.Builder
	for _, f := range files {
		if !strings.HasSuffix(f, "-after.pem") {
			continue // python checked the old bundles; keep the process count down
		}
		fmt.Fprintf(&sh, "printf '%%s ' %q; %q crl2pkcs7 -nocrl -certfile %q | %q pkcs7 -print_certs | grep -c '^subject='\n", f, openssl, f, openssl)
	}
	got, err = exec.Command("sh", "-c", sh.String()).CombinedOutput()
	require.NoError(t, err, "%s", got)
	for _, line := range strings.Split(strings.TrimSpace(string(got)), "\n") {
		f, n, _ := strings.Cut(line, " ")
		count, err := strconv.Atoi(n)
		require.NoError(t, err, line)
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Equal(t, len(fingerprints(t, b)), count, "openssl count for %s", filepath.Base(f))
	}
}

// TestCertifiHeaderMatchesCertifi adds a CA taken from certifi's cacert.pem to
// a certifi-style bundle: the header written must be the one certifi has.
func TestCertifiHeaderMatchesCertifi(t *testing.T) {
	entry, err := os.ReadFile(filepath.Join("testdata", "certifi-isrg-root-x1.pem"))
	require.NoError(t, err)
	isrg, err := truststore.ParseCertificate(entry)
	require.NoError(t, err)
	base := []byte("\n# Issuer: CN=Alpha Root CA O=Proxykit Test\n" + string(testCA(t, "Alpha Root CA").PEM()))
	out, err := truststore.AddToBundle(isrg)(base)
	require.NoError(t, err)
	require.Equal(t, string(entry), string(out[len(base):]))
}

// TestSeededBundle: the bundle starts from the seed (the host's bundle)
// only when the file is absent; one already there (say an image's own,
// copied out) is kept, the CAs added once.
func TestSeededBundle(t *testing.T) {
	ca, other := testCA(t, "Seeded Proxy CA"), testCA(t, "Seeded Other CA")
	seed, err := os.ReadFile("testdata/certifi-isrg-root-x1.pem")
	require.NoError(t, err)
	image := other.PEM()
	add := func(b []byte) string {
		out, err := truststore.AddToBundle(ca)(b)
		require.NoError(t, err)
		return string(out)
	}
	tests := []struct {
		name string
		old  []byte
		want string
	}{
		{"absent: the seed and the CA", nil, add(seed)},
		{"the image's own: kept, the CA added", image, add(image)},
		{"already holding the CA: unchanged", []byte(add(image)), add(image)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := truststore.SeededBundle(seed, ca)(tt.old)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
		})
	}
	got, err := truststore.SeededBundle(nil, ca, other)(nil)
	require.NoError(t, err)
	entries, err := truststore.ListBundle(got)
	require.NoError(t, err)
	require.Len(t, entries, 2, "no seed: the CAs alone")
}
