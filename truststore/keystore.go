package truststore

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// KeystoreFormat is the format of a Java keystore, told by its content.
type KeystoreFormat int

const (
	// FormatUnknown: not a keystore this package recognises.
	FormatUnknown KeystoreFormat = iota
	// FormatJKS: Sun's JKS (magic 0xFEEDFEED), the cacerts of JDK 8–17 and of
	// Debian's ca-certificates-java. Edited.
	FormatJKS
	// FormatPKCS12: a PKCS#12 file without a MAC whose certificates are not
	// encrypted: the password-less cacerts of JDK 18 and later. Edited.
	FormatPKCS12
	// FormatPKCS12Protected: a PKCS#12 file with a MAC or encrypted
	// contents. Recognised, not edited ([ErrUnsupportedFormat]).
	FormatPKCS12Protected
	// FormatJCEKS: Sun's JCEKS (magic 0xCECECECE). Recognised, not edited.
	FormatJCEKS
)

func (f KeystoreFormat) String() string {
	switch f {
	case FormatJKS:
		return "JKS"
	case FormatPKCS12:
		return "PKCS12"
	case FormatPKCS12Protected:
		return "PKCS12 (password-protected)"
	case FormatJCEKS:
		return "JCEKS"
	}
	return "unknown"
}

const (
	magicJKS   = 0xfeedfeed
	magicJCEKS = 0xcececece
)

// DetectKeystore tells a keystore's format from its bytes, whatever the
// file is called.
func DetectKeystore(b []byte) KeystoreFormat {
	if len(b) >= 4 {
		switch binary.BigEndian.Uint32(b) {
		case magicJKS:
			return FormatJKS
		case magicJCEKS:
			return FormatJCEKS
		}
	}
	if p, err := parsePFX(b); err == nil {
		if p.protected() {
			return FormatPKCS12Protected
		}
		return FormatPKCS12
	}
	return FormatUnknown
}

// KeystoreEntry is one entry of a keystore.
type KeystoreEntry struct {
	Alias string
	// Trusted is true for a trusted-certificate entry, false for a private
	// key entry (whose Fingerprint is that of the first certificate of its
	// chain).
	Trusted     bool
	Fingerprint Fingerprint
	// Created is the entry's creation date. PKCS#12 stores none; it is zero
	// there (keytool shows the time it loaded the file).
	Created time.Time
}

// KeystoreOption sets one knob of a keystore edit.
type KeystoreOption func(*keystoreConfig)

type keystoreConfig struct {
	password  Password
	created   time.Time
	newFormat KeystoreFormat
}

// WithPassword sets the keystore password. Without it, JKS stores use
// [DefaultJavaPassword]. Password-less PKCS#12 stores ignore it.
func WithPassword(p Password) KeystoreOption {
	return func(c *keystoreConfig) { c.password = p }
}

// WithCreated sets the creation date written for a new JKS entry. Without it
// the date is the certificate's NotBefore, so the output does not depend on
// the clock.
func WithCreated(t time.Time) KeystoreOption {
	return func(c *keystoreConfig) { c.created = t }
}

// WithNewFormat sets the format of a keystore created from nothing (old ==
// nil): [FormatJKS] (the default) or [FormatPKCS12].
func WithNewFormat(f KeystoreFormat) KeystoreOption {
	return func(c *keystoreConfig) { c.newFormat = f }
}

func newKeystoreConfig(opts []KeystoreOption) keystoreConfig {
	cfg := keystoreConfig{newFormat: FormatJKS}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.password.IsZero() {
		cfg.password = DefaultJavaPassword()
	}
	return cfg
}

// FormatError is returned for a keystore format this package does not edit.
// Command is the keytool command that would make the change, with
// placeholders for the files and the password taken from the environment.
type FormatError struct {
	Format  KeystoreFormat
	Command string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%s keystores are not edited here; use: %s", e.Format, e.Command)
}

func (e *FormatError) Unwrap() error { return ErrUnsupportedFormat }

// Keystore operations, for naming the keytool command in a FormatError.
const (
	opAdd    = "add"
	opRemove = "remove"
	opList   = "list"
)

func unsupported(f KeystoreFormat, op, alias string) error {
	st := "PKCS12"
	if f == FormatJCEKS {
		st = "JCEKS"
	}
	store := " -storetype " + st + " -keystore KEYSTORE -storepass:env STOREPASS"
	var cmd string
	switch op {
	case opAdd:
		cmd = "keytool -importcert -noprompt" + store + " -alias " + shellQuote(alias) + " -file CA.pem"
	case opRemove:
		cmd = "keytool -delete -noprompt" + store + " -alias ALIAS"
	default:
		cmd = "keytool -list -v" + store
	}
	return &FormatError{Format: f, Command: cmd}
}

// shellQuote quotes s for a POSIX shell where it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789._:-+@/") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// AddToKeystore returns an edit that adds c as a trusted certificate under
// alias (c.Alias() when empty; aliases are lower-cased, as keytool does) to a
// Java keystore: JKS or password-less PKCS#12, told apart by content.
//
// The edit is a no-op (old comes back unchanged) when c is already trusted
// under any alias. It fails with [ErrAliasTaken] when alias names another
// entry, with [ErrWrongPassword] when the password does not match (JKS), and
// with a [FormatError] for JCEKS and password-protected PKCS#12. Every other
// entry is kept: in JKS its alias, creation date and bytes (the file is
// rewritten with aliases in sorted order, so output is reproducible); in
// PKCS#12 every other bag byte for byte. old == nil creates a store in the
// format of [WithNewFormat].
func AddToKeystore(c *Certificate, alias string, opts ...KeystoreOption) Edit {
	cfg := newKeystoreConfig(opts)
	if alias == "" {
		alias = c.Alias()
	}
	alias = strings.ToLower(alias)
	created := cfg.created
	if created.IsZero() {
		created = c.x.NotBefore
	}
	return func(old []byte) ([]byte, error) {
		out, err := addToKeystore(old, c, alias, created, cfg)
		if err != nil {
			return nil, fmt.Errorf("add %q to keystore: %w", c.Label(), err)
		}
		return out, nil
	}
}

func addToKeystore(old []byte, c *Certificate, alias string, created time.Time, cfg keystoreConfig) ([]byte, error) {
	f := DetectKeystore(old)
	if old == nil {
		f = cfg.newFormat
	}
	switch f {
	case FormatJKS:
		return jksAdd(old, c, alias, created, cfg.password)
	case FormatPKCS12:
		return pkcs12Add(old, c, alias)
	case FormatJCEKS, FormatPKCS12Protected:
		return nil, unsupported(f, opAdd, alias)
	}
	return nil, fmt.Errorf("not a JKS or PKCS#12 keystore: %w", ErrMalformed)
}

// RemoveFromKeystore returns an edit that removes every trusted-certificate
// entry whose certificate has fingerprint fp, whatever its alias. Private key
// entries are never touched. It returns old unchanged when there is none.
func RemoveFromKeystore(fp Fingerprint, opts ...KeystoreOption) Edit {
	cfg := newKeystoreConfig(opts)
	return func(old []byte) ([]byte, error) {
		out, err := removeFromKeystore(old, fp, cfg)
		if err != nil {
			return nil, fmt.Errorf("remove %s from keystore: %w", fp, err)
		}
		return out, nil
	}
}

func removeFromKeystore(old []byte, fp Fingerprint, cfg keystoreConfig) ([]byte, error) {
	if old == nil {
		return nil, nil
	}
	switch f := DetectKeystore(old); f {
	case FormatJKS:
		return jksRemove(old, fp, cfg.password)
	case FormatPKCS12:
		return pkcs12Remove(old, fp)
	case FormatJCEKS, FormatPKCS12Protected:
		return nil, unsupported(f, opRemove, "")
	}
	return nil, fmt.Errorf("not a JKS or PKCS#12 keystore: %w", ErrMalformed)
}

// ListKeystore returns the entries of a JKS or password-less PKCS#12
// keystore in file order, and its format. The password (see [WithPassword])
// is checked for JKS.
func ListKeystore(b []byte, opts ...KeystoreOption) ([]KeystoreEntry, KeystoreFormat, error) {
	cfg := newKeystoreConfig(opts)
	f := DetectKeystore(b)
	var (
		entries []KeystoreEntry
		err     error
	)
	switch f {
	case FormatJKS:
		entries, err = jksList(b, cfg.password)
	case FormatPKCS12:
		entries, err = pkcs12List(b)
	case FormatJCEKS, FormatPKCS12Protected:
		err = unsupported(f, opList, "")
	default:
		err = fmt.Errorf("not a JKS or PKCS#12 keystore: %w", ErrMalformed)
	}
	if err != nil {
		return nil, f, fmt.Errorf("list keystore: %w", err)
	}
	return entries, f, nil
}
