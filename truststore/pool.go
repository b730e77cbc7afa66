package truststore

import (
	"crypto/x509"
	"fmt"
	"io/fs"
)

// SystemPool returns the certificates of the system bundle of the node whose
// root file system is fsys (the [Layout.Bundle] of the layout
// [DetectLayout] picks) as a pool: the CAs every TLS client on the node
// trusts by default, to tell whether a chain is publicly trusted there.
// The error wraps [ErrUnknownLayout] when no layout matches, the read error
// when the bundle is missing, and [ErrNoCertificate] when it holds none.
func SystemPool(fsys fs.FS) (*x509.CertPool, error) {
	layout, ok := DetectLayout(fsys)
	if !ok {
		return nil, ErrUnknownLayout
	}
	b, err := readFile(fsys, layout.Bundle, MaxInput)
	if err != nil {
		return nil, fmt.Errorf("system bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("system bundle /%s: %w", layout.Bundle, ErrNoCertificate)
	}
	return pool, nil
}
