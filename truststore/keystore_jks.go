package truststore

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"

	"github.com/proxykit/proxykit/internal/quote"
)

// jksEntry is one entry of a JKS file as walked by readJKS.
type jksEntry struct {
	KeystoreEntry
	raw []byte // the entry's bytes after the alias, for comparing unchanged entries
	der []byte // a trusted entry's certificate
}

// readJKS walks a JKS file, checking every length against the input before
// keystore-go allocates it and the integrity digest against password (the
// digest is what tells a wrong password). It returns the entries in file
// order.
func readJKS(b []byte, password Password) ([]jksEntry, error) {
	r := jksReader{b: b}
	if r.u32() != magicJKS {
		return nil, fmt.Errorf("not a JKS keystore: %w", ErrMalformed)
	}
	version := r.u32()
	if version != 1 && version != 2 {
		return nil, r.fail(fmt.Sprintf("unknown JKS version %d", version))
	}
	n := r.u32()
	if uint64(n) > uint64(len(b))/16 {
		return nil, r.fail(fmt.Sprintf("%d entries cannot fit in %d bytes", n, len(b)))
	}
	entries := make([]jksEntry, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		tag := r.u32()
		var e jksEntry
		e.Alias = string(r.bytes(int(r.u16())))
		start := r.off
		e.Created = time.UnixMilli(int64(r.u64())).UTC()
		switch tag {
		case 1: // private key: encrypted key, then the chain
			r.bytes(int(r.u32()))
			chain := r.u32()
			if uint64(chain) > uint64(len(b)) {
				return nil, r.fail("chain too long")
			}
			for j := uint32(0); j < chain && r.err == nil; j++ {
				der := r.cert(version)
				if j == 0 {
					e.Fingerprint = FingerprintOf(der)
				}
			}
		case 2:
			e.Trusted = true
			e.der = r.cert(version)
			e.Fingerprint = FingerprintOf(e.der)
		default:
			if r.err == nil {
				return nil, r.fail(fmt.Sprintf("entry %d has unknown tag %d", i, tag))
			}
		}
		e.raw = b[start:min(r.off, len(b))]
		entries = append(entries, e)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(b)-r.off != sha1.Size {
		return nil, r.fail(fmt.Sprintf("%d bytes where the %d-byte digest should end the file", len(b)-r.off, sha1.Size))
	}
	h := sha1.New()
	h.Write(utf16BE(password))
	h.Write([]byte("Mighty Aphrodite"))
	h.Write(b[:r.off])
	if subtle.ConstantTimeCompare(h.Sum(nil), b[r.off:]) != 1 {
		return nil, ErrWrongPassword
	}
	return entries, nil
}

type jksReader struct {
	b   []byte
	off int
	err error
}

func (r *jksReader) fail(msg string) error {
	if r.err == nil {
		r.err = fmt.Errorf("JKS at byte %d: %s: %w", r.off, msg, ErrMalformed)
	}
	return r.err
}

func (r *jksReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail(fmt.Sprintf("%d bytes wanted, %d left", n, len(r.b)-r.off))
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *jksReader) u16() uint16 {
	if s := r.bytes(2); s != nil {
		return binary.BigEndian.Uint16(s)
	}
	return 0
}

func (r *jksReader) u32() uint32 {
	if s := r.bytes(4); s != nil {
		return binary.BigEndian.Uint32(s)
	}
	return 0
}

func (r *jksReader) u64() uint64 {
	if s := r.bytes(8); s != nil {
		return binary.BigEndian.Uint64(s)
	}
	return 0
}

func (r *jksReader) cert(version uint32) []byte {
	if version == 2 {
		if typ := string(r.bytes(int(r.u16()))); typ != "X.509" && r.err == nil {
			r.fail(fmt.Sprintf("certificate type %q", quote.Bounded(typ)))
		}
	}
	return r.bytes(int(r.u32()))
}

func jksList(b []byte, password Password) ([]KeystoreEntry, error) {
	entries, err := readJKS(b, password)
	if err != nil {
		return nil, err
	}
	out := make([]KeystoreEntry, len(entries))
	for i, e := range entries {
		out[i] = e.KeystoreEntry
	}
	return out, nil
}

// jksStore loads old through keystore-go (after readJKS vetted it), lets
// change edit the entries and writes the store back with sorted aliases.
func jksStore(old []byte, password Password, change func(keystore.KeyStore) error) ([]byte, error) {
	pw, ok := latin1(password)
	if !ok {
		return nil, fmt.Errorf("JKS password with characters beyond Latin-1: %w", ErrUnsupportedFormat)
	}
	ks := keystore.New(keystore.WithOrderedAliases(), keystore.WithCaseExactAliases())
	if old != nil {
		if err := ks.Load(bytes.NewReader(old), pw); err != nil {
			return nil, fmt.Errorf("load JKS: %w: %w", ErrMalformed, err)
		}
	}
	if err := change(ks); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := ks.Store(&buf, pw); err != nil {
		return nil, fmt.Errorf("write JKS: %w", err)
	}
	return buf.Bytes(), nil
}

func jksAdd(old []byte, c *Certificate, alias string, created time.Time, password Password) ([]byte, error) {
	var entries []jksEntry
	if old != nil {
		var err error
		if entries, err = readJKS(old, password); err != nil {
			return nil, err
		}
	}
	for _, e := range entries {
		if e.Trusted && e.Fingerprint == c.fp {
			return old, nil
		}
		if strings.EqualFold(e.Alias, alias) {
			return nil, fmt.Errorf("alias %q: %w", alias, ErrAliasTaken)
		}
	}
	out, err := jksStore(old, password, func(ks keystore.KeyStore) error {
		return ks.SetTrustedCertificateEntry(alias, keystore.TrustedCertificateEntry{
			CreationTime: created,
			Certificate:  keystore.Certificate{Type: "X.509", Content: c.der},
		})
	})
	if err != nil {
		return nil, err
	}
	return out, verifyJKS(out, password, entries, func(want map[string]string) {
		want[alias] = c.fp.String()
	})
}

func jksRemove(old []byte, fp Fingerprint, password Password) ([]byte, error) {
	entries, err := readJKS(old, password)
	if err != nil {
		return nil, err
	}
	var drop []string
	for _, e := range entries {
		if e.Trusted && e.Fingerprint == fp {
			drop = append(drop, e.Alias)
		}
	}
	if len(drop) == 0 {
		return old, nil
	}
	out, err := jksStore(old, password, func(ks keystore.KeyStore) error {
		for _, a := range drop {
			ks.DeleteEntry(a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, verifyJKS(out, password, entries, func(want map[string]string) {
		for _, a := range drop {
			delete(want, a)
		}
	})
}

// verifyJKS reads out back and checks it holds exactly the old entries, each
// byte for byte, changed as edit says.
func verifyJKS(out []byte, password Password, old []jksEntry, edit func(map[string]string)) error {
	got, err := readJKS(out, password)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	want := map[string]string{}
	for _, e := range old {
		want[e.Alias] = string(e.raw)
	}
	oldWant := maps.Clone(want)
	edit(want)
	have := map[string]string{}
	for _, e := range got {
		if raw, ok := oldWant[e.Alias]; ok {
			have[e.Alias] = string(e.raw)
			if raw != string(e.raw) {
				return fmt.Errorf("entry %q changed: %w", e.Alias, ErrVerify)
			}
		} else {
			have[e.Alias] = e.Fingerprint.String()
		}
	}
	if !maps.Equal(want, have) {
		return fmt.Errorf("aliases %q, want %q: %w", slices.Sorted(maps.Keys(have)), slices.Sorted(maps.Keys(want)), ErrVerify)
	}
	return nil
}
