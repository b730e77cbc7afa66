// Package secret holds the module's one secret type and its one redaction
// marker. The public packages name the type by alias — [proxyenv.Secret],
// [truststore.Password] — so a value made by either is the other, and every
// message, plan and diff shows the same marker in place of a credential.
//
// [proxyenv.Secret]: https://pkg.go.dev/github.com/proxykit/proxykit/proxyenv#Secret
// [truststore.Password]: https://pkg.go.dev/github.com/proxykit/proxykit/truststore#Password
package secret

import "fmt"

// Redacted is what a [Secret] prints in place of its value, and what every
// message and diff of the module shows in place of a credential.
const Redacted = "xxxxx"

// Secret holds a credential: a proxy password, a keystore password, a
// registry token. Its String, GoString, Format and MarshalText methods print
// [Redacted], so a Secret can be logged, wrapped in an error, marshalled or
// printed with any verb without leaking. Only [Secret.Reveal] returns the
// value, and it is called only where the value is written into the file that
// needs it. The zero Secret is empty.
type Secret struct{ value string }

// New returns a Secret holding s.
func New(s string) Secret { return Secret{s} }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String returns [Redacted], or "" for an empty secret.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return Redacted
}

// GoString returns a redacted Go representation.
func (s Secret) GoString() string { return fmt.Sprintf("secret.Secret(%q)", s.String()) }

// Format prints the redacted form for every verb.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.String())
}

// MarshalText returns the redacted form, so encoding/json, YAML and the like
// never write the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
