package truststore

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
)

// The PKCS#12 codec (RFC 7292) for password-less trust stores, the cacerts
// of JDK 18 and later: a PFX without a MAC whose AuthenticatedSafe holds
// unencrypted SafeContents of certificate bags. It adds or removes one
// trusted-certificate bag and writes every other bag, and every
// ContentInfo it does not change, byte for byte.
//
// A trusted certificate, as the JDK writes it, is a certBag holding an X.509
// certificate with two attributes: friendlyName (the alias, a BMPString) and
// Oracle's trusted-key-usage attribute (2.16.840.1.113894.746875.1.1) set to
// anyExtendedKeyUsage. The JDK ignores a certificate bag without the latter.

// pfx is a parsed PKCS#12 file.
type pfx struct {
	version []byte // the INTEGER, as read
	dataOID []byte // the authSafe's contentType, as read
	safes   []safe
	mac     []byte // MacData, if any
	signed  bool   // authSafe is not plain data (public-key integrity mode)
}

// safe is one ContentInfo of the AuthenticatedSafe.
type safe struct {
	full    []byte // as read; nil for a new one
	oid     []byte
	data    bool // plain data, so its bags are readable
	bags    []bag
	changed bool
}

// bag is one SafeBag.
type bag struct {
	full    []byte
	cert    bool   // certBag with an X.509 certificate
	key     bool   // keyBag or pkcs8ShroudedKeyBag
	keyID   bool   // has localKeyId: belongs to a private key entry
	trusted bool   // has Oracle's trusted-key-usage attribute
	alias   string // friendlyName
	der     []byte // certificate DER for cert bags
}

func (p *pfx) protected() bool {
	if p.mac != nil || p.signed {
		return true
	}
	for _, s := range p.safes {
		if !s.data {
			return true
		}
	}
	return false
}

func parsePFX(b []byte) (*pfx, error) {
	if len(b) > MaxInput {
		return nil, fmt.Errorf("PKCS#12 of %d bytes exceeds %d: %w", len(b), MaxInput, ErrMalformed)
	}
	fail := func(where string, err error) (*pfx, error) {
		return nil, fmt.Errorf("PKCS#12 %s: %w: %w", where, ErrMalformed, err)
	}
	top, err := readOne(b, tagSequence)
	if err != nil {
		return fail("PFX", err)
	}
	items, err := readAll(top.body)
	if err != nil || len(items) < 2 || len(items) > 3 {
		return fail("PFX", errDER)
	}
	if items[0].tag != tagInteger || !bytes.Equal(items[0].body, []byte{3}) {
		return fail("version", errDER)
	}
	p := &pfx{version: items[0].full}
	if len(items) == 3 {
		if items[2].tag != tagSequence {
			return fail("MacData", errDER)
		}
		p.mac = items[2].full
	}
	oid, content, err := contentInfo(items[1])
	if err != nil {
		return fail("authSafe", err)
	}
	p.dataOID = oid.full
	if !isOID(oid, oidData) {
		p.signed = true
		return p, nil
	}
	authSafe, err := readOne(content, tagSequence)
	if err != nil {
		return fail("AuthenticatedSafe", err)
	}
	infos, err := readAll(authSafe.body)
	if err != nil {
		return fail("AuthenticatedSafe", err)
	}
	for i, ci := range infos {
		oid, content, err := contentInfo(ci)
		if err != nil {
			return fail(fmt.Sprintf("ContentInfo %d", i), err)
		}
		s := safe{full: ci.full, oid: oid.full, data: isOID(oid, oidData)}
		if s.data {
			if s.bags, err = parseSafeContents(content); err != nil {
				return fail(fmt.Sprintf("SafeContents %d", i), err)
			}
		}
		p.safes = append(p.safes, s)
	}
	return p, nil
}

// contentInfo reads ContentInfo ::= SEQUENCE { contentType OID, content [0]
// EXPLICIT ANY }. For data, content is the OCTET STRING's contents; otherwise
// it is nil and the caller does not look inside.
func contentInfo(e element) (oid element, content []byte, err error) {
	if e.tag != tagSequence {
		return oid, nil, errDER
	}
	parts, err := readAll(e.body)
	if err != nil || len(parts) == 0 || parts[0].tag != tagOID {
		return oid, nil, errDER
	}
	oid = parts[0]
	if !isOID(oid, oidData) {
		return oid, nil, nil
	}
	if len(parts) != 2 || parts[1].tag != tagContext0 {
		return oid, nil, errDER
	}
	os, err := readOne(parts[1].body, tagOctetString)
	if err != nil {
		return oid, nil, err
	}
	return oid, os.body, nil
}

func parseSafeContents(b []byte) ([]bag, error) {
	seq, err := readOne(b, tagSequence)
	if err != nil {
		return nil, err
	}
	elems, err := readAll(seq.body)
	if err != nil {
		return nil, err
	}
	bags := make([]bag, 0, len(elems))
	for _, e := range elems {
		bg, err := parseBag(e)
		if err != nil {
			return nil, err
		}
		bags = append(bags, bg)
	}
	return bags, nil
}

// Bag type OIDs 1.2.840.113549.1.12.10.1.{1,2}: keyBag, pkcs8ShroudedKeyBag.
var (
	oidKeyBag         = []byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x01}
	oidShroudedKeyBag = []byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02}
)

// parseBag reads SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT
// ANY, bagAttributes SET OF Attribute OPTIONAL }.
func parseBag(e element) (bag, error) {
	bg := bag{full: e.full}
	if e.tag != tagSequence {
		return bg, errDER
	}
	parts, err := readAll(e.body)
	if err != nil || len(parts) < 2 || len(parts) > 3 || parts[0].tag != tagOID || parts[1].tag != tagContext0 {
		return bg, errDER
	}
	bg.key = isOID(parts[0], oidKeyBag) || isOID(parts[0], oidShroudedKeyBag)
	if isOID(parts[0], oidCertBag) {
		// CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }
		cb, err := readOne(parts[1].body, tagSequence)
		if err != nil {
			return bg, err
		}
		cp, err := readAll(cb.body)
		if err != nil || len(cp) != 2 || cp[1].tag != tagContext0 {
			return bg, errDER
		}
		if isOID(cp[0], oidX509Certificate) {
			os, err := readOne(cp[1].body, tagOctetString)
			if err != nil {
				return bg, err
			}
			bg.cert, bg.der = true, os.body
		}
	}
	if len(parts) == 3 {
		if parts[2].tag != tagSet {
			return bg, errDER
		}
		attrs, err := readAll(parts[2].body)
		if err != nil {
			return bg, err
		}
		for _, a := range attrs {
			ap, err := readAll(a.body)
			if err != nil || a.tag != tagSequence || len(ap) != 2 || ap[0].tag != tagOID || ap[1].tag != tagSet {
				return bg, errDER
			}
			switch {
			case isOID(ap[0], oidFriendlyName):
				v, _, err := readElement(ap[1].body)
				if err != nil || v.tag != tagBMPString || len(v.body)%2 != 0 {
					return bg, errDER
				}
				bg.alias = decodeBMP(v.body)
			case isOID(ap[0], oidLocalKeyID):
				bg.keyID = true
			case isOID(ap[0], oidTrustedKeyUsage):
				bg.trusted = true
			}
		}
	}
	return bg, nil
}

func decodeBMP(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

func encodeBMP(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return encode(tagBMPString, b)
}

// trustedBag encodes c as the JDK encodes a trusted certificate entry.
func trustedBag(der []byte, alias string) []byte {
	return encode(tagSequence,
		oidCertBag,
		encode(tagContext0, encode(tagSequence,
			oidX509Certificate,
			encode(tagContext0, encode(tagOctetString, der)))),
		encode(tagSet,
			encode(tagSequence, oidFriendlyName, encode(tagSet, encodeBMP(alias))),
			encode(tagSequence, oidTrustedKeyUsage, encode(tagSet, oidAnyExtendedUsage))),
	)
}

// encode writes p back: unchanged safes as read, changed ones re-encoded
// around their bags' original bytes, empty changed ones dropped.
func (p *pfx) encode() []byte {
	var infos []rope
	for _, s := range p.safes {
		switch {
		case !s.changed:
			infos = append(infos, raw(s.full))
		case len(s.bags) > 0:
			var bags rope
			for _, bg := range s.bags {
				bags = bags.add(raw(bg.full))
			}
			bags = wrap(tagSequence, bags)
			infos = append(infos, wrap(tagSequence, raw(s.oid), wrap(tagContext0, wrap(tagOctetString, bags))))
		}
	}
	authSafe := wrap(tagSequence, infos...)
	parts := []rope{raw(p.version), wrap(tagSequence, raw(p.dataOID), wrap(tagContext0, wrap(tagOctetString, authSafe)))}
	if p.mac != nil {
		parts = append(parts, raw(p.mac))
	}
	return wrap(tagSequence, parts...).bytes()
}

func (bg bag) entry() (KeystoreEntry, bool) {
	switch {
	case bg.cert && bg.trusted && !bg.keyID:
		return KeystoreEntry{Alias: bg.alias, Trusted: true, Fingerprint: FingerprintOf(bg.der)}, true
	case bg.key:
		return KeystoreEntry{Alias: bg.alias}, true
	}
	return KeystoreEntry{}, false
}

func (p *pfx) entries() []KeystoreEntry {
	var out []KeystoreEntry
	for _, s := range p.safes {
		for _, bg := range s.bags {
			if e, ok := bg.entry(); ok {
				out = append(out, e)
			}
		}
	}
	return out
}

func openPFX(old []byte) (*pfx, error) {
	p, err := parsePFX(old)
	if err != nil {
		return nil, err
	}
	if p.protected() {
		return nil, unsupported(FormatPKCS12Protected, opList, "")
	}
	return p, nil
}

func pkcs12List(b []byte) ([]KeystoreEntry, error) {
	p, err := openPFX(b)
	if err != nil {
		return nil, err
	}
	return p.entries(), nil
}

func pkcs12Add(old []byte, c *Certificate, alias string) ([]byte, error) {
	p := &pfx{version: []byte{tagInteger, 1, 3}, dataOID: oidData}
	if old != nil {
		var err error
		if p, err = openPFX(old); err != nil {
			return nil, err
		}
	}
	before := p.entries()
	for _, e := range before {
		if e.Trusted && e.Fingerprint == c.fp {
			return old, nil
		}
		if strings.EqualFold(e.Alias, alias) {
			return nil, fmt.Errorf("alias %q: %w", alias, ErrAliasTaken)
		}
	}
	nb, err := parseBag(mustElement(trustedBag(c.der, alias)))
	if err != nil {
		return nil, err
	}
	target := -1
	for i, s := range p.safes {
		if s.data {
			target = i
		}
	}
	if target < 0 {
		p.safes = append(p.safes, safe{oid: oidData, data: true})
		target = len(p.safes) - 1
	}
	p.safes[target].bags = append(p.safes[target].bags, nb)
	p.safes[target].changed = true
	out := p.encode()
	return out, verifyPFX(out, append(before, KeystoreEntry{Alias: alias, Trusted: true, Fingerprint: c.fp}), bagsOf(p))
}

func pkcs12Remove(old []byte, fp Fingerprint) ([]byte, error) {
	p, err := openPFX(old)
	if err != nil {
		return nil, err
	}
	removed := false
	for i := range p.safes {
		s := &p.safes[i]
		kept := s.bags[:0:0]
		for _, bg := range s.bags {
			if e, ok := bg.entry(); ok && e.Trusted && e.Fingerprint == fp {
				s.changed, removed = true, true
				continue
			}
			kept = append(kept, bg)
		}
		s.bags = kept
	}
	if !removed {
		return old, nil
	}
	out := p.encode()
	return out, verifyPFX(out, p.entries(), bagsOf(p))
}

// bagsOf lists every bag's bytes in order, for verification.
func bagsOf(p *pfx) [][]byte {
	var out [][]byte
	for _, s := range p.safes {
		for _, bg := range s.bags {
			out = append(out, bg.full)
		}
	}
	return out
}

// verifyPFX reads out back: it must be a password-less PKCS#12 holding
// exactly the expected bags, byte for byte, and entries.
func verifyPFX(out []byte, want []KeystoreEntry, bags [][]byte) error {
	q, err := openPFX(out)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	got := bagsOf(q)
	if len(got) != len(bags) {
		return fmt.Errorf("%d bags, want %d: %w", len(got), len(bags), ErrVerify)
	}
	for i := range got {
		if !bytes.Equal(got[i], bags[i]) {
			return fmt.Errorf("bag %d changed: %w", i, ErrVerify)
		}
	}
	e := q.entries()
	if len(e) != len(want) {
		return fmt.Errorf("%d entries, want %d: %w", len(e), len(want), ErrVerify)
	}
	for i := range e {
		if e[i] != want[i] {
			return fmt.Errorf("entry %d is %q, want %q: %w", i, e[i].Alias, want[i].Alias, ErrVerify)
		}
	}
	return nil
}

func mustElement(b []byte) element {
	e, _, err := readElement(b)
	if err != nil {
		panic("truststore: encoded an unreadable element: " + err.Error())
	}
	return e
}
