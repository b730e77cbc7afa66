package cafetch

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/truststore"
)

// labels are the prefixes tools print before a SHA-256 fingerprint, lower
// case: keytool ("SHA256: "), openssl x509 -fingerprint ("sha256
// Fingerprint="), and what people write.
var labels = []string{"sha256 fingerprint=", "sha-256 fingerprint=", "sha256:", "sha-256:", "sha256=", "sha-256="}

// ParseFingerprint reads a SHA-256 fingerprint ([truststore.Fingerprint]) as
// people paste it: 32 bytes
// in hex, any case, with colons, spaces, tabs or nothing between the bytes,
// optionally after keytool's "SHA256:" or openssl's "sha256 Fingerprint="
// label:
//
//	AB:CD:…:EF                        keytool, openssl
//	ab cd … ef                        browsers
//	abcd…ef                           sha256sum of the DER
//	sha256 Fingerprint=AB:CD:…:EF     openssl x509 -fingerprint -sha256
//
// A SHA-1 fingerprint (20 bytes) is refused with a message saying so.
func ParseFingerprint(s string) (truststore.Fingerprint, error) {
	var f truststore.Fingerprint
	in := strings.TrimSpace(s)
	lower := strings.ToLower(in)
	for _, l := range labels {
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
				return f, fmt.Errorf("%w: separator inside a byte at offset %d in %q", ErrBadFingerprint, i, bounded(s))
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			if len(digits) == cap(digits) {
				return f, fmt.Errorf("%w: longer than 32 bytes in %q", ErrBadFingerprint, bounded(s))
			}
			digits = append(digits, c)
		default:
			return f, fmt.Errorf("%w: unexpected %q at offset %d in %q", ErrBadFingerprint, c, i, bounded(s))
		}
	}
	switch {
	case len(digits) == 0:
		return f, fmt.Errorf("%w: empty", ErrBadFingerprint)
	case len(digits) == 2*20:
		return f, fmt.Errorf("%w: %q is a SHA-1 fingerprint (20 bytes); give the SHA-256 one (keytool -list -v, openssl x509 -fingerprint -sha256)", ErrBadFingerprint, bounded(s))
	case len(digits) != 2*len(f):
		return f, fmt.Errorf("%w: %d hex digits, want 64, in %q", ErrBadFingerprint, len(digits), bounded(s))
	}
	if _, err := hex.Decode(f[:], digits); err != nil {
		return truststore.Fingerprint{}, fmt.Errorf("%w: %q", ErrBadFingerprint, bounded(s))
	}
	return f, nil
}

// isZero reports whether f is the zero value: no fingerprint given.
func isZero(f truststore.Fingerprint) bool { return f == truststore.Fingerprint{} }
