package cafetch_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/cafetch"
	"github.com/proxykit/proxykit/truststore"
)

const fpColons = "3A:0F:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E"

func TestParseFingerprint(t *testing.T) {
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
		{"tabs", strings.ReplaceAll(fpColons, ":", "\t"), ""},
		{"empty", "", "empty"},
		{"sha1", "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09", "SHA-1"},
		{"too short", fpColons[:20], "hex digits, want 64"},
		{"too long", fpColons + ":00", "longer than 32 bytes"},
		{"not hex", strings.Replace(fpColons, "3A", "3G", 1), "unexpected 'G'"},
		{"separator inside a byte", "3:A0F" + plain[3:], "separator inside a byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := cafetch.ParseFingerprint(tt.in)
			if tt.err != "" {
				require.ErrorIs(t, err, cafetch.ErrBadFingerprint)
				assert.Contains(t, err.Error(), tt.err)
				assert.Zero(t, f)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, fpColons, f.String())
		})
	}
}

func TestFingerprintStringRoundTrip(t *testing.T) {
	f := truststore.FingerprintOf([]byte("any DER"))
	g, err := cafetch.ParseFingerprint(f.String())
	require.NoError(t, err)
	assert.Equal(t, f, g)
	assert.Len(t, f.String(), 95)
}

func FuzzParseFingerprint(f *testing.F) {
	f.Add(fpColons)
	f.Add("sha256 Fingerprint=" + fpColons)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := cafetch.ParseFingerprint(s)
		if err != nil {
			if fp != (truststore.Fingerprint{}) {
				t.Fatalf("error with a non-zero fingerprint: %v", err)
			}
			return
		}
		back, err := cafetch.ParseFingerprint(fp.String())
		if err != nil || back != fp {
			t.Fatalf("String does not round-trip: %v", err)
		}
	})
}
