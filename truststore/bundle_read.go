package truststore

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// BundleEntry is one certificate found in a PEM bundle.
type BundleEntry struct {
	Fingerprint Fingerprint
	Line        int    // 1-based line of the BEGIN line
	Type        string // PEM type: "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE"
	Label       string // from the comment header above the block, if any
}

// ListBundle returns the certificates of a PEM bundle in file order,
// duplicates included. Text outside PEM blocks and blocks of other types are
// skipped, as OpenSSL skips them; a certificate block that does not decode is
// an error, since OpenSSL would reject the whole file.
//
// Input that is not a bundle is refused with [ErrMalformed]: binary data (a
// NUL byte), text with no PEM block that is not only comments, and a
// certificate block whose certificate does not parse.
func ListBundle(bundle []byte) ([]BundleEntry, error) {
	blocks, err := readBundle(bundle)
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	var out []BundleEntry
	for _, b := range blocks {
		if b.cert {
			out = append(out, BundleEntry{Fingerprint: FingerprintOf(b.der), Line: b.line, Type: b.typ, Label: b.label})
		}
	}
	return out, nil
}

// readBundle is scanBundle for a file that must be a bundle: it refuses
// binary data, text that holds no PEM block and is not only comments, and
// certificates that do not parse — input an edit must not touch.
func readBundle(b []byte) ([]pemBlock, error) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		line := bytes.Count(b[:i], []byte("\n")) + 1
		return nil, &SyntaxError{Line: line, Msg: fmt.Sprintf("binary data (a NUL byte at offset %d): not a PEM bundle", i), Err: ErrMalformed}
	}
	blocks, err := scanBundle(b)
	if err != nil {
		return nil, err
	}
	if len(blocks) == 0 {
		for i, l := range splitLines(b) {
			t := bytes.TrimSpace(b[l.start:l.end])
			if len(t) > 0 && t[0] != '#' {
				return nil, &SyntaxError{Line: i + 1, Msg: "text that is neither a PEM block nor a comment, in a file without any: not a PEM bundle", Near: quote.Bounded(string(t)), Err: ErrMalformed}
			}
		}
	}
	for _, blk := range blocks {
		if !blk.cert {
			continue
		}
		if _, err := x509.ParseCertificate(blk.der); err != nil && !strings.Contains(err.Error(), "negative serial number") {
			// OpenSSL loads certificates with a negative serial, which
			// Go refuses; every other failure OpenSSL shares.
			return nil, &SyntaxError{Line: blk.line, Msg: "certificate does not parse: " + err.Error(), Err: ErrMalformed}
		}
	}
	return blocks, nil
}

// pemBlock is one PEM block of a bundle with the byte spans an edit needs.
type pemBlock struct {
	typ   string
	cert  bool   // a certificate type OpenSSL loads into a trust store
	der   []byte // for certificates: the certificate's DER
	line  int    // 1-based line of BEGIN
	label string // from the header

	headStart int // offset of the first header line attached above BEGIN (== start when none)
	headLines int // number of header lines
	start     int // offset of the BEGIN line
	end       int // offset just past the END line's line ending
}

// textLine is one line of a bundle: bytes [start, end) without its line
// ending, next is the offset of the following line.
type textLine struct {
	start, end, next int
}

func splitLines(b []byte) []textLine {
	var lines []textLine
	for off := 0; off < len(b); {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			lines = append(lines, textLine{off, len(b), len(b)})
			break
		}
		end := off + i
		if end > off && b[end-1] == '\r' {
			end--
		}
		lines = append(lines, textLine{off, end, off + i + 1})
		off += i + 1
	}
	return lines
}

func isCertType(typ string) bool {
	switch typ {
	case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
		return true
	}
	return false
}

// scanBundle finds the PEM blocks of b the way OpenSSL reads a CA file: a
// block starts at a line "-----BEGIN TYPE-----" and ends at
// "-----END TYPE-----"; everything else is ignored.
func scanBundle(b []byte) ([]pemBlock, error) {
	if len(b) > MaxInput {
		return nil, fmt.Errorf("bundle of %d bytes exceeds %d: %w", len(b), MaxInput, ErrMalformed)
	}
	lines := splitLines(b)
	text := func(i int) []byte {
		return bytes.TrimRight(b[lines[i].start:lines[i].end], " \t")
	}
	synErr := func(i int, msg string) error {
		return &SyntaxError{Line: i + 1, Msg: msg, Near: quote.Bounded(string(text(i))), Err: ErrMalformed}
	}
	var (
		blocks  []pemBlock
		body    []byte // a certificate's base64, reused
		lastEnd = -1   // index of the last END line
	)
	for i := 0; i < len(lines); i++ {
		t := text(i)
		if !bytes.HasPrefix(t, beginPrefix) {
			continue
		}
		if !bytes.HasSuffix(t, dashes) || len(t) < len(beginPrefix)+len(dashes) {
			return nil, synErr(i, "malformed BEGIN line")
		}
		blk := pemBlock{typ: string(t[len(beginPrefix) : len(t)-len(dashes)]), line: i + 1, start: lines[i].start}
		blk.cert = isCertType(blk.typ)
		// Header: the non-blank lines directly above, back to a blank line or
		// the previous block.
		h := i
		for h-1 > lastEnd && len(bytes.TrimSpace(text(h-1))) > 0 {
			h--
		}
		blk.headStart, blk.headLines = lines[h].start, i-h
		blk.label = headerLabel(lines, b, h, i)
		// Body.
		body = body[:0]
		j := i + 1
		for ; j < len(lines); j++ {
			u := text(j)
			if bytes.HasPrefix(u, endPrefix) {
				break
			}
			if bytes.HasPrefix(u, beginPrefix) {
				return nil, synErr(j, fmt.Sprintf("BEGIN inside the %s block started on line %d", blk.typ, blk.line))
			}
			if blk.cert {
				if bytes.IndexByte(u, ':') >= 0 {
					return nil, synErr(j, "header inside a certificate block")
				}
				body = append(body, bytes.TrimSpace(u)...)
			}
		}
		if j == len(lines) {
			return nil, synErr(i, fmt.Sprintf("%s block is not closed", blk.typ))
		}
		if u := text(j); len(u) != len(endPrefix)+len(blk.typ)+len(dashes) ||
			string(u[len(endPrefix):len(u)-len(dashes)]) != blk.typ || !bytes.HasSuffix(u, dashes) {
			return nil, synErr(j, fmt.Sprintf("END does not match BEGIN %s on line %d", blk.typ, blk.line))
		}
		blk.end = lines[j].next
		lastEnd, i = j, j
		if blk.cert {
			der, err := certDER(blk.typ, body)
			if err != nil {
				return nil, &SyntaxError{Line: blk.line, Msg: err.Error(), Err: ErrMalformed}
			}
			blk.der = der
		}
		blocks = append(blocks, blk)
	}
	return blocks, nil
}

var (
	beginPrefix = []byte("-----BEGIN ")
	endPrefix   = []byte("-----END ")
	dashes      = []byte("-----")
)

// certDER decodes a certificate block's body and returns the certificate's
// DER: one ASN.1 SEQUENCE. A TRUSTED CERTIFICATE (OpenSSL's format) carries
// trust settings after it, which do not change the certificate's identity.
func certDER(typ string, body []byte) ([]byte, error) {
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(body)))
	n, err := base64.StdEncoding.Decode(raw, body)
	raw = raw[:n]
	if err != nil {
		return nil, fmt.Errorf("%s block: bad base64", typ)
	}
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(raw, &v)
	if err != nil || v.Class != asn1.ClassUniversal || v.Tag != asn1.TagSequence || !v.IsCompound {
		return nil, fmt.Errorf("%s block: not a DER certificate", typ)
	}
	if len(rest) > 0 && typ != "TRUSTED CERTIFICATE" {
		return nil, fmt.Errorf("%s block: %d bytes after the certificate", typ, len(rest))
	}
	return v.FullBytes, nil
}

// headerLabel finds a certificate's name in the header lines [h, i):
// certifi's `# Label: "…"`, curl's title underlined with '=', or a single
// "# name" comment.
func headerLabel(lines []textLine, b []byte, h, i int) string {
	get := func(k int) string { return strings.TrimSpace(string(b[lines[k].start:lines[k].end])) }
	for k := h; k < i; k++ {
		if rest, ok := strings.CutPrefix(get(k), "# Label:"); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	if i-h >= 2 && isUnderline(get(i-1)) {
		return get(i - 2)
	}
	if i-h == 1 {
		if rest, ok := strings.CutPrefix(get(h), "#"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func isUnderline(s string) bool {
	return len(s) >= 3 && strings.Trim(s, "=") == ""
}
