package proxyenv

import "fmt"

// Redacted is what a [Secret] prints in place of its value.
const Redacted = "xxxxx"

// Secret holds a credential, such as a proxy password. Its String, GoString
// and Format methods print [Redacted], so a Secret can be logged, wrapped in an
// error or printed with %v, %+v and %#v without leaking. Only [Secret.Reveal]
// returns the value, and it is called only where the value is written into the
// file that needs it.
type Secret struct{ value string }

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret { return Secret{s} }

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
func (s Secret) GoString() string { return fmt.Sprintf("proxyenv.Secret(%q)", s.String()) }

// Format prints the redacted form for every verb.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.String())
}
