package truststore_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/truststore"
)

const fpColons = "3A:0F:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E"

func TestParseFingerprintReadsWhatToolsPrint(t *testing.T) {
	plain := strings.ReplaceAll(fpColons, ":", "")
	tests := []struct {
		name, in string
		err      string // substring of the error; "" when it parses
	}{
		{"keytool colons", fpColons, ""},
		{"lower case", strings.ToLower(fpColons), ""},
		{"spaces", strings.ReplaceAll(fpColons, ":", " "), ""},
		{"no separators", plain, ""},
		{"mixed case no separators", strings.ToLower(plain[:20]) + plain[20:], ""},
		{"surrounding space", "  " + fpColons + "\n", ""},
		{"openssl label", "sha256 Fingerprint=" + fpColons, ""},
		{"openssl upper label", "SHA256 Fingerprint=" + fpColons, ""},
		{"keytool label", "SHA256: " + fpColons, ""},
		{"keytool label indented", "\t SHA256: " + fpColons, ""},
		{"tabs", strings.ReplaceAll(fpColons, ":", "\t"), ""},
		{"empty", "", "empty"},
		{"label alone", "SHA256:", "empty"},
		{"sha1", "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09", "SHA-1"},
		{"too short", fpColons[:20], "hex digits, want 64"},
		{"AB:CD", "AB:CD", "hex digits, want 64"},
		{"too long", fpColons + ":00", "longer than 32 bytes"},
		{"not hex", strings.Replace(fpColons, "3A", "3G", 1), "unexpected 'G'"},
		{"separator inside a byte", "3:A0F" + plain[3:], "separator inside a byte"},
		{"sha1 label", "SHA1: " + fpColons, "unexpected 'S'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := truststore.ParseFingerprint(tt.in)
			if tt.err != "" {
				require.ErrorIs(t, err, truststore.ErrMalformed)
				assert.Contains(t, err.Error(), tt.err)
				assert.Zero(t, f)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, fpColons, f.String())
		})
	}
}

func TestParseFingerprintQuotesABoundedPiece(t *testing.T) {
	long := strings.Repeat("Z", 10000)
	_, err := truststore.ParseFingerprint(long)
	require.ErrorIs(t, err, truststore.ErrMalformed)
	assert.Less(t, len(err.Error()), 200)
}

func TestFingerprintStringRoundTrip(t *testing.T) {
	f := truststore.FingerprintOf([]byte("any DER"))
	g, err := truststore.ParseFingerprint(f.String())
	require.NoError(t, err)
	assert.Equal(t, f, g)
	assert.Len(t, f.String(), 95)
}

// TestParseFingerprintReadsOpenSSLAndKeytool feeds the lines openssl and
// keytool print for a certificate, labels included, back to
// ParseFingerprint.
func TestParseFingerprintReadsOpenSSLAndKeytool(t *testing.T) {
	ca := testCA(t, "Fingerprint Oracle CA")
	dir := t.TempDir()
	pemPath := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(pemPath, ca.PEM(), 0o600))
	var lines []string
	t.Run("openssl", func(t *testing.T) {
		openssl := oracle.Require(t, "openssl")
		out, err := exec.Command(openssl, "x509", "-noout", "-fingerprint", "-sha256", "-in", pemPath).CombinedOutput()
		require.NoError(t, err, "%s", out)
		lines = append(lines, strings.TrimSpace(string(out)))
	})
	t.Run("keytool", func(t *testing.T) {
		keytool := oracle.Require(t, "keytool")
		out, err := exec.Command(keytool, "-printcert", "-file", pemPath).CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "SHA256:") {
				lines = append(lines, l)
			}
		}
		require.NotEmpty(t, lines, "%s", out)
	})
	for _, l := range lines {
		f, err := truststore.ParseFingerprint(l)
		require.NoError(t, err, l)
		assert.Equal(t, ca.Fingerprint(), f, l)
	}
}

func FuzzParseFingerprint(f *testing.F) {
	f.Add(fpColons)
	f.Add("sha256 Fingerprint=" + fpColons)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := truststore.ParseFingerprint(s)
		if err != nil {
			if fp != (truststore.Fingerprint{}) {
				t.Fatalf("error with a non-zero fingerprint: %v", err)
			}
			return
		}
		back, err := truststore.ParseFingerprint(fp.String())
		if err != nil || back != fp {
			t.Fatalf("String does not round-trip: %v", err)
		}
	})
}
