package truststore

import (
	"errors"
	"fmt"
)

// Errors callers branch on. Every error this package returns wraps at most one
// of them; test with [errors.Is].
var (
	// ErrMalformed: the input is not what it claims to be (bad PEM, bad DER,
	// a truncated keystore). The edit refuses it and returns no bytes.
	ErrMalformed = errors.New("malformed input")
	// ErrNoCertificate: the input holds no certificate at all.
	ErrNoCertificate = errors.New("no certificate found")
	// ErrWrongPassword: the keystore's integrity check fails with the given
	// password. Nothing is changed.
	ErrWrongPassword = errors.New("keystore password is incorrect")
	// ErrUnsupportedFormat: a keystore format this package recognises but does
	// not edit (JCEKS, password-protected PKCS#12). The [FormatError] names
	// the keytool command that would do it.
	ErrUnsupportedFormat = errors.New("keystore format not supported for editing")
	// ErrAliasTaken: the alias asked for already names a different
	// certificate.
	ErrAliasTaken = errors.New("alias already names a different certificate")
	// ErrVerify: the edited output did not read back as exactly the expected
	// certificates. It indicates a bug or input this package misreads; the
	// edit returns no bytes.
	ErrVerify = errors.New("edited output does not verify")
	// ErrUnknownLayout: no system store layout matches the node (no
	// etc/os-release naming a known family, no marker file); [Changes]
	// leaves the system store alone.
	ErrUnknownLayout = errors.New("unknown distribution: no system store layout")

	// ErrNotCA: [Certificate.CheckAnchor] refuses a certificate that is not
	// a CA certificate as the CA to trust.
	ErrNotCA = errors.New("not a CA certificate")
	// ErrExpired: [Certificate.CheckAnchor] refuses a certificate that has
	// expired.
	ErrExpired = errors.New("certificate expired")
	// ErrNotYetValid: [Certificate.CheckAnchor] refuses a certificate that
	// is not valid yet (or the clock is wrong).
	ErrNotYetValid = errors.New("certificate not valid yet")
)

// SyntaxError says where a PEM bundle could not be read: the 1-based line,
// what was wrong, and a bounded quote of the line.
type SyntaxError struct {
	Line int
	Msg  string
	Near string // at most 40 bytes of the offending line
	Err  error  // ErrMalformed
}

func (e *SyntaxError) Error() string {
	if e.Near != "" {
		return fmt.Sprintf("line %d: %s near %q", e.Line, e.Msg, e.Near)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return e.Err }
