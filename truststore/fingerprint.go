package truststore

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// fingerprintLabels are the prefixes tools print before a SHA-256
// fingerprint, lower case: keytool -list -v ("SHA256: "), openssl x509
// -fingerprint -sha256 ("sha256 Fingerprint=", "SHA256 Fingerprint=" in
// OpenSSL 1.x), and what people write.
var fingerprintLabels = []string{"sha256 fingerprint=", "sha-256 fingerprint=", "sha256:", "sha-256:", "sha256=", "sha-256="}

// ParseFingerprint reads a SHA-256 fingerprint as keytool, openssl,
// sha256sum and browsers print it and as people paste it: 32 bytes in hex,
// any case, with colons, spaces, tabs or nothing between the bytes,
// optionally after keytool's or openssl's label:
//
//	AB:CD:…:EF                        keytool, openssl
//	SHA256: AB:CD:…:EF                keytool -list -v
//	sha256 Fingerprint=AB:CD:…:EF     openssl x509 -fingerprint -sha256
//	ab cd … ef                        browsers
//	abcd…ef                           sha256sum of the DER
//
// A SHA-1 fingerprint (20 bytes) is refused with a message saying so. Every
// error wraps [ErrMalformed] and quotes at most a bounded piece of s.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	bad := func(format string, args ...any) (Fingerprint, error) {
		return Fingerprint{}, fmt.Errorf("invalid SHA-256 fingerprint: %s: %w", fmt.Sprintf(format, args...), ErrMalformed)
	}
	in := strings.TrimSpace(s)
	lower := strings.ToLower(in)
	for _, l := range fingerprintLabels {
		if strings.HasPrefix(lower, l) {
			in = strings.TrimSpace(in[len(l):])
			break
		}
	}
	digits := make([]byte, 0, 2*len(f))
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case c == ':' || c == ' ' || c == '\t':
			// A separator; must sit between whole bytes when present.
			if len(digits)%2 != 0 {
				return bad("separator inside a byte at offset %d in %q", i, quote.Bounded(s))
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			if len(digits) == cap(digits) {
				return bad("longer than 32 bytes in %q", quote.Bounded(s))
			}
			digits = append(digits, c)
		default:
			return bad("unexpected %q at offset %d in %q", c, i, quote.Bounded(s))
		}
	}
	switch {
	case len(digits) == 0:
		return bad("empty")
	case len(digits) == 2*20:
		return bad("%q is a SHA-1 fingerprint (20 bytes); give the SHA-256 one (keytool -list -v, openssl x509 -fingerprint -sha256)", quote.Bounded(s))
	case len(digits) != 2*len(f):
		return bad("%d hex digits, want 64, in %q", len(digits), quote.Bounded(s))
	}
	if _, err := hex.Decode(f[:], digits); err != nil {
		return bad("%q", quote.Bounded(s))
	}
	return f, nil
}
