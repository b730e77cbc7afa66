package truststore

import (
	"crypto/x509"
	"fmt"
)

// TrustedCertificates returns the certificates of the trusted entries of a
// JKS or password-less PKCS#12 keystore, in file order: what a JVM using it
// as trust store trusts. The password (see [WithPassword]) is checked for
// JKS. Private key entries are left out.
func TrustedCertificates(b []byte, opts ...KeystoreOption) ([]*Certificate, KeystoreFormat, error) {
	cfg := newKeystoreConfig(opts)
	f := DetectKeystore(b)
	var ders [][]byte
	switch f {
	case FormatJKS:
		entries, err := readJKS(b, cfg.password)
		if err != nil {
			return nil, f, fmt.Errorf("read keystore: %w", err)
		}
		for _, e := range entries {
			if e.Trusted {
				ders = append(ders, e.der)
			}
		}
	case FormatPKCS12:
		p, err := openPFX(b)
		if err != nil {
			return nil, f, fmt.Errorf("read keystore: %w", err)
		}
		for _, s := range p.safes {
			for _, bg := range s.bags {
				if bg.cert && bg.trusted && !bg.keyID {
					ders = append(ders, bg.der)
				}
			}
		}
	case FormatJCEKS, FormatPKCS12Protected:
		return nil, f, fmt.Errorf("read keystore: %w", unsupported(f, opList, ""))
	default:
		return nil, f, fmt.Errorf("read keystore: not a JKS or PKCS#12 keystore: %w", ErrMalformed)
	}
	out := make([]*Certificate, 0, len(ders))
	for _, der := range ders {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, f, fmt.Errorf("read keystore: %w: %w", ErrMalformed, err)
		}
		out = append(out, newCertificate(x))
	}
	return out, f, nil
}
