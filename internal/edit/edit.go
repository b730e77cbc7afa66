// Package edit declares the module's one edit type. Every change proxykit
// makes to a file is an [Edit]; the packages that build or apply edits name
// it by alias ([proxyenv.Edit], [truststore.Edit], [jvmflags.Edit], the
// programs' engine's plan.Edit), so an edit from any of them, or a plain func
// literal, goes wherever an edit is taken, without conversion.
//
// [proxyenv.Edit]: https://pkg.go.dev/github.com/proxykit/proxykit/proxyenv#Edit
// [truststore.Edit]: https://pkg.go.dev/github.com/proxykit/proxykit/truststore#Edit
// [jvmflags.Edit]: https://pkg.go.dev/github.com/proxykit/proxykit/jvmflags#Edit
package edit

// Edit computes a file's new content from its current content. old is nil
// when the file does not exist (an existing empty file is a non-nil, empty
// slice); a nil result for a file that does not exist leaves it absent.
//
// An Edit is pure and deterministic (time and randomness are injected when
// it is built), idempotent (e(e(x)) equals e(x) byte for byte), keeps every
// byte it does not own, and returns an error and no bytes on input it does
// not understand: binary data, broken PEM, JSON that does not parse.
//
// The type is an alias of the func type, not a named type, so any func with
// this signature is an Edit.
type Edit = func(old []byte) ([]byte, error)
