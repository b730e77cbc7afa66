package truststore

import (
	"fmt"
	"unicode/utf16"
)

// Password is a keystore password. It never prints: String, GoString, every
// fmt verb and MarshalText give "xxxxx", so a Password can go into errors,
// logs and plans without leaking. Only the keystore codecs read its value.
type Password struct {
	s   string
	set bool
}

// NewPassword wraps a keystore password.
func NewPassword(s string) Password { return Password{s: s, set: true} }

// DefaultJavaPassword returns the password of every JDK's cacerts as shipped
// ("changeit"), which keystore edits use when given none.
func DefaultJavaPassword() Password { return NewPassword("changeit") }

const redacted = "xxxxx"

func (Password) String() string               { return redacted }
func (Password) GoString() string             { return "truststore.Password(" + redacted + ")" }
func (Password) Format(f fmt.State, _ rune)   { fmt.Fprint(f, redacted) }
func (Password) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// IsZero reports whether p was never set.
func (p Password) IsZero() bool { return !p.set }

// utf16BE returns the password as Java's keystores hash it: UTF-16 big
// endian code units.
func (p Password) utf16BE() []byte {
	u := utf16.Encode([]rune(p.s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return b
}

// latin1 returns the password as keystore-go wants it (one byte per
// character, which it widens to UTF-16), and false where a character does not
// fit in one byte.
func (p Password) latin1() ([]byte, bool) {
	b := make([]byte, 0, len(p.s))
	for _, r := range p.s {
		if r > 0xff {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}
