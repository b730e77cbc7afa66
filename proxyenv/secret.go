package proxyenv

import "github.com/proxykit/proxykit/internal/secret"

// Redacted is what a [Secret] prints in place of its value, and what every
// message of the module shows in place of a credential.
const Redacted = secret.Redacted

// Secret holds a credential, such as a proxy password. Its String, GoString,
// Format and MarshalText methods print [Redacted], so a Secret can be logged,
// wrapped in an error or printed with %v, %+v and %#v without leaking. Only
// Reveal returns the value, and it is called only where the value is written
// into the file that needs it. IsZero reports an empty secret.
//
// It is the module's one secret type: [truststore.Password] is the same type.
//
// [truststore.Password]: https://pkg.go.dev/github.com/proxykit/proxykit/truststore#Password
type Secret = secret.Secret

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret { return secret.New(s) }
