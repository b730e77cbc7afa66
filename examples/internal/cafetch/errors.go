package cafetch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/truststore"
)

// Errors callers branch on.
var (
	ErrNoFingerprint = errors.New("certificate not trusted: no fingerprint given")
	ErrMismatch      = errors.New("certificate not trusted: fingerprint does not match")
	ErrNoCertificate = errors.New("no certificate found")
	ErrTooLarge      = errors.New("response too large")
	ErrProxyScheme   = errors.New("unsupported proxy scheme")
	ErrProxyAuth     = errors.New("proxy authentication required")
	ErrConnect       = errors.New("proxy refused CONNECT")
	ErrNoChain       = errors.New("no certificate presented")
	ErrURL           = errors.New("invalid CA URL")
	ErrStatus        = errors.New("unexpected HTTP status")
)

// MismatchError reports certificates whose fingerprints do not match the one
// the user gave, or that no fingerprint was given. It carries the
// fingerprints seen so that they can be shown for comparison.
type MismatchError struct {
	Source string                   // where the certificates came from, credentials redacted
	Want   truststore.Fingerprint   // the fingerprint given; zero when none was
	Got    []truststore.Fingerprint // the fingerprint of each certificate found
}

func (e *MismatchError) Error() string {
	got := make([]string, len(e.Got))
	for i, f := range e.Got {
		got[i] = f.String()
	}
	if isZero(e.Want) {
		return fmt.Sprintf("%s: %v: it has SHA-256 fingerprint %s; compare it with one from a trusted source and give it", e.Source, ErrNoFingerprint, strings.Join(got, ", "))
	}
	return fmt.Sprintf("%s: %v: got %s, want %s", e.Source, ErrMismatch, strings.Join(got, ", "), e.Want)
}

// Unwrap returns [ErrNoFingerprint] or [ErrMismatch].
func (e *MismatchError) Unwrap() error {
	if isZero(e.Want) {
		return ErrNoFingerprint
	}
	return ErrMismatch
}

// match returns the certificate among certs whose fingerprint is want, or a
// *MismatchError.
func match(source string, certs []*truststore.Certificate, want truststore.Fingerprint) (*truststore.Certificate, error) {
	e := &MismatchError{Source: source, Want: want}
	for _, c := range certs {
		if !isZero(want) && c.Fingerprint() == want {
			return c, nil
		}
		e.Got = append(e.Got, c.Fingerprint())
	}
	return nil, e
}
