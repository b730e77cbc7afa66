package truststore

import (
	"fmt"
	"time"
)

// AnchorOptions say which doubtful trust anchors [Certificate.CheckAnchor]
// accepts. The zero value accepts only a CA certificate valid now.
type AnchorOptions struct {
	// Now is the time the validity is checked at; zero means time.Now().
	Now time.Time
	// AllowLeaf accepts a certificate that is not a CA certificate
	// (basicConstraints CA:FALSE, or no basicConstraints at all): a server's
	// own certificate, pinned on purpose.
	AllowLeaf bool
	// AllowExpired accepts a certificate outside its validity: expired, or
	// not valid yet.
	AllowExpired bool
}

// An AnchorError says why a certificate is refused as a trust anchor. It
// wraps [ErrNotCA], [ErrExpired] or [ErrNotYetValid].
type AnchorError struct {
	Cert *Certificate
	// Problem completes "certificate LABEL (SHA-256 …) ": "expired on
	// 2024-01-31".
	Problem string
	Err     error
}

func (e *AnchorError) Error() string {
	return fmt.Sprintf("%v: certificate %s %s", e.Err, e.Cert, e.Problem)
}

func (e *AnchorError) Unwrap() error { return e.Err }

// CheckAnchor checks c as the CA to trust, at o.Now: a certificate that is
// not a CA certificate is refused ([ErrNotCA]) unless o.AllowLeaf, since no
// client accepts a certificate it signed; one that has expired
// ([ErrExpired]) or is not valid yet ([ErrNotYetValid]) is refused unless
// o.AllowExpired. The error is an *[AnchorError]. What is allowed comes back
// as [Certificate.Warnings], for the caller to show.
func (c *Certificate) CheckAnchor(o AnchorOptions) ([]Warning, error) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	x := c.x
	switch {
	case o.AllowLeaf:
	case !x.BasicConstraintsValid:
		return nil, &AnchorError{c, "has no basicConstraints extension, so clients accept no certificate it signed", ErrNotCA}
	case !x.IsCA:
		return nil, &AnchorError{c, "has basicConstraints CA:FALSE, so clients accept no certificate it signed", ErrNotCA}
	}
	switch {
	case o.AllowExpired:
	case now.After(x.NotAfter):
		return nil, &AnchorError{c, "expired on " + x.NotAfter.UTC().Format(time.DateOnly), ErrExpired}
	case now.Before(x.NotBefore):
		return nil, &AnchorError{c, "is not valid before " + x.NotBefore.UTC().Format(time.DateOnly), ErrNotYetValid}
	}
	return c.Warnings(now), nil
}
