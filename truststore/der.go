package truststore

import (
	"bytes"
	"errors"
	"fmt"
)

// A minimal DER reader and writer for the PKCS#12 codec. It keeps the exact
// bytes of every element it reads, so unchanged parts are written back
// byte for byte.

// DER tags used by PKCS#12.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagOID         = 0x06
	tagBMPString   = 0x1e
	tagSequence    = 0x30
	tagSet         = 0x31
	tagContext0    = 0xa0
)

var errDER = errors.New("bad DER")

// element is one DER TLV: its tag, its whole encoding and its contents.
type element struct {
	tag  byte
	full []byte
	body []byte
}

// readElement reads one element from the start of b.
func readElement(b []byte) (element, []byte, error) {
	if len(b) < 2 {
		return element{}, nil, errDER
	}
	tag := b[0]
	if tag&0x1f == 0x1f {
		return element{}, nil, fmt.Errorf("%w: multi-byte tag", errDER)
	}
	n, hl := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 {
			return element{}, nil, fmt.Errorf("%w: indefinite length (BER)", errDER)
		}
		if k > 4 || len(b) < 2+k {
			return element{}, nil, errDER
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		if n < 0x80 || n>>(8*(k-1)) == 0 {
			return element{}, nil, fmt.Errorf("%w: non-minimal length", errDER)
		}
		hl += k
	}
	if n > len(b)-hl {
		return element{}, nil, fmt.Errorf("%w: length %d beyond the input", errDER, n)
	}
	return element{tag: tag, full: b[:hl+n], body: b[hl : hl+n]}, b[hl+n:], nil
}

// readOne reads b as exactly one element with the given tag.
func readOne(b []byte, tag byte) (element, error) {
	e, rest, err := readElement(b)
	if err != nil {
		return e, err
	}
	if e.tag != tag {
		return e, fmt.Errorf("%w: tag 0x%02x, want 0x%02x", errDER, e.tag, tag)
	}
	if len(rest) != 0 {
		return e, fmt.Errorf("%w: %d bytes after the element", errDER, len(rest))
	}
	return e, nil
}

// readAll reads every element of a constructed element's contents.
func readAll(b []byte) ([]element, error) {
	var out []element
	for len(b) > 0 {
		e, rest, err := readElement(b)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		b = rest
	}
	return out, nil
}

// encode writes one element with the given tag and contents.
func encode(tag byte, parts ...[]byte) []byte {
	var body rope
	for _, p := range parts {
		body = body.add(raw(p))
	}
	return wrap(tag, body).bytes()
}

// rope is a DER encoding kept as the slices that make it up, so nesting a
// large body in several headers copies it once, at the end.
type rope struct {
	parts [][]byte
	n     int
}

func raw(b []byte) rope { return rope{parts: [][]byte{b}, n: len(b)} }

// add appends more contents to r.
func (r rope) add(more ...rope) rope {
	for _, m := range more {
		r.parts = append(r.parts, m.parts...)
		r.n += m.n
	}
	return r
}

// wrap returns an element with the given tag around contents.
func wrap(tag byte, contents ...rope) rope {
	var body rope
	body = body.add(contents...)
	h := header(tag, body.n)
	return rope{parts: append([][]byte{h}, body.parts...), n: len(h) + body.n}
}

// header is the tag and definite length of an element of n content bytes.
func header(tag byte, n int) []byte {
	switch {
	case n < 0x80:
		return []byte{tag, byte(n)}
	case n < 0x100:
		return []byte{tag, 0x81, byte(n)}
	case n < 0x10000:
		return []byte{tag, 0x82, byte(n >> 8), byte(n)}
	case n < 0x1000000:
		return []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return []byte{tag, 0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

func (r rope) bytes() []byte {
	out := make([]byte, 0, r.n)
	for _, p := range r.parts {
		out = append(out, p...)
	}
	return out
}

// OIDs, DER-encoded with their tag.
var (
	oidData             = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}                   // 1.2.840.113549.1.7.1
	oidCertBag          = []byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03}       // 1.2.840.113549.1.12.10.1.3
	oidX509Certificate  = []byte{0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01}             // 1.2.840.113549.1.9.22.1
	oidFriendlyName     = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x14}                   // 1.2.840.113549.1.9.20
	oidLocalKeyID       = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x15}                   // 1.2.840.113549.1.9.21
	oidTrustedKeyUsage  = []byte{0x06, 0x0c, 0x60, 0x86, 0x48, 0x01, 0x86, 0xf9, 0x66, 0xad, 0xca, 0x7b, 0x01, 0x01} // 2.16.840.1.113894.746875.1.1 (Oracle)
	oidAnyExtendedUsage = []byte{0x06, 0x04, 0x55, 0x1d, 0x25, 0x00}                                                 // 2.5.29.37.0
)

func isOID(e element, oid []byte) bool { return e.tag == tagOID && bytes.Equal(e.full, oid) }
