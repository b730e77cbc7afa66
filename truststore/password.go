package truststore

import (
	"unicode/utf16"

	"github.com/proxykit/proxykit/internal/secret"
)

// Password is a keystore password. It never prints: String, GoString, every
// fmt verb and MarshalText give "xxxxx", so a Password can go into errors,
// logs and plans without leaking. Only the keystore codecs read its value.
// The zero Password (or an empty one) means "none given": keystore edits then
// use [DefaultJavaPassword].
//
// It is the module's one secret type: [proxyenv.Secret] is the same type.
//
// [proxyenv.Secret]: https://pkg.go.dev/github.com/proxykit/proxykit/proxyenv#Secret
type Password = secret.Secret

// NewPassword wraps a keystore password.
func NewPassword(s string) Password { return secret.New(s) }

// DefaultJavaPassword returns the password of every JDK's cacerts as shipped
// ("changeit"), which keystore edits use when given none.
func DefaultJavaPassword() Password { return NewPassword("changeit") }

// utf16BE returns the password as Java's keystores hash it: UTF-16 big
// endian code units.
func utf16BE(p Password) []byte {
	u := utf16.Encode([]rune(p.Reveal()))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return b
}

// latin1 returns the password as keystore-go wants it (one byte per
// character, which it widens to UTF-16), and false where a character does not
// fit in one byte.
func latin1(p Password) ([]byte, bool) {
	s := p.Reveal()
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}
