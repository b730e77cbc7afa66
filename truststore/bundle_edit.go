package truststore

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// AddToBundle returns an edit that appends c to a PEM bundle such as
// certifi's cacert.pem or a distribution's ca-certificates.crt.
//
// The edit keeps every existing byte, adds the final newline the file may
// lack, writes the line ending the file uses, and precedes the certificate
// with a comment header in the style the bundle uses (certifi's
// "# Issuer:"/"# Subject:"/"# Label:"/fingerprint lines, curl's underlined
// title, a "# label" line, or none). It returns old unchanged when a
// certificate with c's DER is already present, whatever its label or block
// type. old == nil (no file) gives a bundle holding just c. Input that is
// not a bundle (see [ListBundle]: binary data, text without PEM, a
// certificate that does not parse) is refused with [ErrMalformed] and no
// bytes. The result is read
// back and must hold exactly the old certificates plus c; otherwise the edit
// fails with [ErrVerify].
func AddToBundle(c *Certificate) Edit {
	return func(old []byte) ([]byte, error) {
		out, err := addToBundle(old, c)
		if err != nil {
			return nil, fmt.Errorf("add %q to bundle: %w", c.Label(), err)
		}
		return out, nil
	}
}

// SeededBundle returns the edit of a PEM bundle that holds every one of
// certs ([AddToBundle] each), and that starts as a copy of seed where the
// file does not exist: a bundle of one's own, say one mounted into
// containers, that trusts what seed trusts (Mozilla's roots, as certifi's
// cacert.pem holds them) and the CAs. An existing file is kept as it is,
// the CAs added.
func SeededBundle(seed []byte, certs ...*Certificate) Edit {
	seed = bytes.Clone(seed)
	return func(old []byte) ([]byte, error) {
		b := old
		if b == nil {
			b = bytes.Clone(seed)
		}
		for _, c := range certs {
			var err error
			if b, err = AddToBundle(c)(b); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
}

// RemoveFromBundle returns an edit that removes every certificate with
// fingerprint fp from a PEM bundle, with the comment header attached above
// each and one blank line that separated it from its neighbours. All other
// bytes are kept. It returns old unchanged when fp is absent.
func RemoveFromBundle(fp Fingerprint) Edit {
	return func(old []byte) ([]byte, error) {
		out, err := removeFromBundle(old, fp)
		if err != nil {
			return nil, fmt.Errorf("remove %s from bundle: %w", fp, err)
		}
		return out, nil
	}
}

// headerStyle is how a bundle introduces each certificate.
type headerStyle int

const (
	headerNone    headerStyle = iota // bare PEM blocks (Debian's ca-certificates.crt)
	headerCertifi                    // # Issuer: … # SHA256 Fingerprint: … (certifi)
	headerCurl                       // Title, a line of '=' (curl's mk-ca-bundle, conda)
	headerComment                    // "# Title" (p11-kit's extracted bundles)
)

// bundleStyle is what AddToBundle imitates.
type bundleStyle struct {
	eol    string
	header headerStyle
	blank  bool // a blank line precedes each certificate's header
}

func detectStyle(b []byte, blocks []pemBlock) bundleStyle {
	st := bundleStyle{eol: "\n"}
	if i := bytes.IndexByte(b, '\n'); i > 0 && b[i-1] == '\r' {
		st.eol = "\r\n"
	}
	var certs []pemBlock
	for _, blk := range blocks {
		if blk.cert {
			certs = append(certs, blk)
		}
	}
	if len(certs) == 0 {
		return st
	}
	// The first certificate shows the bundle's header style; the gap before
	// the last one (the first may follow a file header) shows the spacing.
	first, last := certs[0], certs[len(certs)-1]
	head := string(b[first.headStart:first.start])
	switch {
	case strings.Contains(head, "# Issuer:") || strings.Contains(head, "# SHA256 Fingerprint:"):
		st.header = headerCertifi
	case first.headLines >= 2 && isUnderline(lastLine(head)):
		st.header = headerCurl
	case first.headLines == 1 && strings.HasPrefix(head, "#"):
		st.header = headerComment
	}
	st.blank = endsWithBlankLine(b[:last.headStart])
	return st
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// endsWithBlankLine reports whether the last line of b is blank: b ends in
// a line ending preceded by one, by white space only, or by nothing.
func endsWithBlankLine(b []byte) bool {
	if !bytes.HasSuffix(b, []byte("\n")) {
		return false
	}
	b = bytes.TrimSuffix(b[:len(b)-1], []byte("\r"))
	i := bytes.LastIndexByte(b, '\n')
	return len(bytes.TrimSpace(b[i+1:])) == 0
}

func addToBundle(old []byte, c *Certificate) ([]byte, error) {
	blocks, err := readBundle(old)
	if err != nil {
		return nil, err
	}
	want := certFingerprints(blocks)
	if slices.Contains(want, c.fp) {
		return old, nil
	}
	st := detectStyle(old, blocks)
	out := make([]byte, 0, len(old)+2048)
	out = append(out, old...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, st.eol...)
	}
	// A blank line where the bundle separates certificates with one, and
	// always after trailing text, which would otherwise read as the new
	// certificate's header (and go with it on removal).
	if len(out) > 0 && !endsWithBlankLine(out) {
		if l := lastLine(string(out)); st.blank || l != "" && !strings.HasPrefix(l, "-----END ") {
			out = append(out, st.eol...)
		}
	}
	for _, l := range headerLines(st.header, c) {
		out = append(out, l...)
		out = append(out, st.eol...)
	}
	out = appendPEM(out, c.der, st.eol)
	// Read back: exactly the old certificates plus c, in order.
	got, err := scanBundle(out)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if !slices.Equal(certFingerprints(got), append(want, c.fp)) || len(got) != len(blocks)+1 {
		return nil, ErrVerify
	}
	return out, nil
}

func removeFromBundle(old []byte, fp Fingerprint) ([]byte, error) {
	blocks, err := readBundle(old)
	if err != nil {
		return nil, err
	}
	var keep []Fingerprint
	out := make([]byte, 0, len(old))
	prev, removed := 0, 0
	for _, blk := range blocks {
		if !blk.cert || FingerprintOf(blk.der) != fp {
			if blk.cert {
				keep = append(keep, FingerprintOf(blk.der))
			}
			continue
		}
		start, end := blk.headStart, blk.end
		if s := blankLineBefore(old, start); s >= prev && s < start {
			start = s
		} else if e := blankLineAfter(old, end); e > end {
			end = e
		}
		out = append(out, old[prev:start]...)
		prev = end
		removed++
	}
	if removed == 0 {
		return old, nil
	}
	out = append(out, old[prev:]...)
	got, err := scanBundle(out)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if !slices.Equal(certFingerprints(got), keep) || len(got) != len(blocks)-removed {
		return nil, ErrVerify
	}
	return out, nil
}

// blankLineBefore returns the offset of a blank line that ends at off, or -1.
func blankLineBefore(b []byte, off int) int {
	if off == 0 {
		return -1
	}
	i := bytes.LastIndexByte(b[:off-1], '\n') + 1
	if len(bytes.TrimSpace(b[i:off])) == 0 {
		return i
	}
	return -1
}

// blankLineAfter returns the offset past a blank line starting at off, or -1.
func blankLineAfter(b []byte, off int) int {
	i := bytes.IndexByte(b[off:], '\n')
	if i < 0 || len(bytes.TrimSpace(b[off:off+i])) != 0 {
		return -1
	}
	return off + i + 1
}

func certFingerprints(blocks []pemBlock) []Fingerprint {
	var fps []Fingerprint
	for _, b := range blocks {
		if b.cert {
			fps = append(fps, FingerprintOf(b.der))
		}
	}
	return fps
}

func appendPEM(out, der []byte, eol string) []byte {
	out = append(out, "-----BEGIN CERTIFICATE-----"...)
	out = append(out, eol...)
	enc := base64.StdEncoding.EncodeToString(der)
	for len(enc) > 0 {
		n := min(64, len(enc))
		out = append(out, enc[:n]...)
		out = append(out, eol...)
		enc = enc[n:]
	}
	out = append(out, "-----END CERTIFICATE-----"...)
	return append(out, eol...)
}

// headerLines returns the comment header for c in style st, without line
// endings.
func headerLines(st headerStyle, c *Certificate) []string {
	label := oneLine(c.Label())
	switch st {
	case headerCertifi:
		return []string{
			"# Issuer: " + certifiName(c.x.Issuer.CommonName, c.x.Issuer.Organization, c.x.Issuer.OrganizationalUnit),
			"# Subject: " + certifiName(c.x.Subject.CommonName, c.x.Subject.Organization, c.x.Subject.OrganizationalUnit),
			`# Label: "` + label + `"`,
			"# Serial: " + c.x.SerialNumber.String(),
			"# MD5 Fingerprint: " + colonHex(md5Sum(c.der)),
			"# SHA1 Fingerprint: " + colonHex(sha1Sum(c.der)),
			"# SHA256 Fingerprint: " + colonHex(sha256Sum(c.der)),
		}
	case headerCurl:
		return []string{label, strings.Repeat("=", max(3, len(label)))}
	case headerComment:
		return []string{"# " + label}
	}
	return nil
}

// certifiName formats a name as certifi's cacert.pem does: "CN=… O=… OU=…",
// several values of one attribute joined by '/'.
func certifiName(cn string, o, ou []string) string {
	var parts []string
	if cn != "" {
		parts = append(parts, "CN="+cn)
	}
	if len(o) > 0 {
		parts = append(parts, "O="+strings.Join(o, "/"))
	}
	if len(ou) > 0 {
		parts = append(parts, "OU="+strings.Join(ou, "/"))
	}
	return oneLine(strings.Join(parts, " "))
}

// oneLine keeps a certificate's text fields from breaking a comment header:
// control characters become spaces, and "-----" cannot start a PEM line.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.ReplaceAll(s, "-----", "- - -")
}

func md5Sum(b []byte) []byte    { s := md5.Sum(b); return s[:] }
func sha1Sum(b []byte) []byte   { s := sha1.Sum(b); return s[:] }
func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// colonHex formats b as certifi does: lower-case hex separated by colons.
func colonHex(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return sb.String()
}
