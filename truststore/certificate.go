package truststore

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
)

// MaxInput bounds the size of any file this package reads: certificates,
// bundles and keystores. Real trust stores are well under a megabyte.
const MaxInput = 32 << 20

// Fingerprint is the SHA-256 digest of a certificate's DER encoding, the
// identity of a certificate everywhere in this package. Two certificates with
// the same fingerprint are the same certificate, whatever their label or
// alias.
type Fingerprint [sha256.Size]byte

// FingerprintOf returns the fingerprint of a DER-encoded certificate.
func FingerprintOf(der []byte) Fingerprint { return sha256.Sum256(der) }

// String formats f as keytool prints it: colon-separated upper-case hex,
// "EB:C5:57:0C:…".
func (f Fingerprint) String() string {
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(f)*3-1)
	for i, c := range f {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return string(b)
}

// Certificate is one X.509 certificate, immutable, identified by the
// [Fingerprint] of its DER encoding. Get one with [ParseCertificate] or
// [ParseCertificates].
type Certificate struct {
	der []byte
	x   *x509.Certificate
	fp  Fingerprint
}

// ParseCertificate reads exactly one certificate from PEM (a single
// CERTIFICATE block, text around it ignored) or from DER.
func ParseCertificate(data []byte) (*Certificate, error) {
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("parse certificate: found %d certificates, want 1: %w", len(certs), ErrMalformed)
	}
	return certs[0], nil
}

// ParseCertificates reads every certificate from PEM (any number of
// CERTIFICATE blocks; other blocks and text are skipped) or from DER (one or
// more concatenated certificates). It fails when there is none.
func ParseCertificates(data []byte) ([]*Certificate, error) {
	if len(data) > MaxInput {
		return nil, fmt.Errorf("parse certificates: input of %d bytes exceeds %d: %w", len(data), MaxInput, ErrMalformed)
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		xs, err := x509.ParseCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("parse certificates: not PEM, and not DER: %w: %w", ErrMalformed, err)
		}
		if len(xs) == 0 {
			return nil, fmt.Errorf("parse certificates: %w", ErrNoCertificate)
		}
		out := make([]*Certificate, len(xs))
		for i, x := range xs {
			out[i] = newCertificate(x)
		}
		return out, nil
	}
	blocks, err := scanBundle(data)
	if err != nil {
		return nil, fmt.Errorf("parse certificates: %w", err)
	}
	var out []*Certificate
	for _, b := range blocks {
		if !b.cert {
			continue
		}
		x, err := x509.ParseCertificate(b.der)
		if err != nil {
			return nil, fmt.Errorf("parse certificates: %w", &SyntaxError{Line: b.line, Msg: "certificate does not parse: " + err.Error(), Err: ErrMalformed})
		}
		out = append(out, newCertificate(x))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("parse certificates: %w", ErrNoCertificate)
	}
	return out, nil
}

func newCertificate(x *x509.Certificate) *Certificate {
	return &Certificate{der: x.Raw, x: x, fp: FingerprintOf(x.Raw)}
}

// Fingerprint returns the SHA-256 fingerprint of c's DER encoding.
func (c *Certificate) Fingerprint() Fingerprint { return c.fp }

// DER returns a copy of c's DER encoding.
func (c *Certificate) DER() []byte { return bytes.Clone(c.der) }

// PEM returns c as one PEM CERTIFICATE block ending in a newline.
func (c *Certificate) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.der})
}

// X509 returns a freshly parsed copy of c, to read fields this type does not
// expose.
func (c *Certificate) X509() *x509.Certificate {
	x, _ := x509.ParseCertificate(c.der) // parsed once already
	return x
}

// Subject returns c's subject distinguished name in RFC 2253 form.
func (c *Certificate) Subject() string { return c.x.Subject.String() }

// Label returns a short human name for c: its subject common name, or else its
// organization, or else its whole subject, or else "certificate " and the
// first four bytes of its fingerprint in hex.
func (c *Certificate) Label() string {
	if cn := c.x.Subject.CommonName; cn != "" {
		return cn
	}
	if len(c.x.Subject.Organization) > 0 && c.x.Subject.Organization[0] != "" {
		return c.x.Subject.Organization[0]
	}
	if s := c.x.Subject.String(); s != "" {
		return s
	}
	return "certificate " + hex.EncodeToString(c.fp[:4])
}

// String returns c's label and fingerprint.
func (c *Certificate) String() string { return fmt.Sprintf("%q (SHA-256 %s)", c.Label(), c.fp) }

// Alias returns the keystore alias this package uses for c when the caller
// gives none: the label in lower case with runs of characters other than
// letters, digits, '.', '_' and '-' replaced by '-', then the first four
// bytes of the fingerprint, "corp-proxy-ca-3f9a01bc". Like keytool, aliases
// are lower case.
func (c *Certificate) Alias() string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(c.Label()) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if s != "" {
		s += "-"
	}
	return s + hex.EncodeToString(c.fp[:4])
}

// Warning says why a certificate may not do what its caller expects of a
// trust anchor. Warnings never stop an edit; callers show them.
type Warning struct {
	Certificate Fingerprint
	Label       string
	Problem     string // "not a CA certificate", "expired on 2024-01-31", …
}

func (w Warning) String() string {
	return fmt.Sprintf("certificate %q (SHA-256 %s): %s", w.Label, w.Certificate, w.Problem)
}

// Warnings reports what makes c a doubtful trust anchor at time now: not a CA
// (no basicConstraints CA:TRUE), expired, or not yet valid. A nil result means
// none.
func (c *Certificate) Warnings(now time.Time) []Warning {
	var out []Warning
	add := func(format string, args ...any) {
		out = append(out, Warning{Certificate: c.fp, Label: c.Label(), Problem: fmt.Sprintf(format, args...)})
	}
	switch {
	case !c.x.BasicConstraintsValid:
		add("not a CA certificate (no basicConstraints extension)")
	case !c.x.IsCA:
		add("not a CA certificate (basicConstraints CA:FALSE); clients will not accept certificates it signed")
	}
	if now.After(c.x.NotAfter) {
		add("expired on %s", c.x.NotAfter.UTC().Format(time.DateOnly))
	}
	if now.Before(c.x.NotBefore) {
		add("not valid before %s", c.x.NotBefore.UTC().Format(time.DateOnly))
	}
	return out
}
