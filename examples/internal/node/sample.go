package node

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"

	"github.com/proxykit/proxykit/internal/quote"
)

// SampleEpoch is the creation date of the keystore entries [Materialize]
// makes, so that a sample node is the same byte for byte every time.
var SampleEpoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// Materialize writes a sample node into the directory dir (which must exist):
// every file of the tree root, then what a setup file lists, which an
// embedded tree cannot hold:
//
//	dir PATH                  an empty directory
//	link PATH TARGET          a symbolic link; an absolute TARGET is as on the node
//	jks PATH PASSWORD PEM...  a JKS keystore of the certificates in the PEM files
//
// PATH is relative to the node's root and PEM files to the directory of the
// setup file, inside fsys. Lines starting with # are comments. Materialize
// backs the example programs' demos and their end-to-end tests.
func Materialize(dir string, fsys fs.FS, root, setup string) error {
	tree, err := fs.Sub(fsys, root)
	if err != nil {
		return err
	}
	if err := copyTree(dir, tree); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if setup == "" {
		return nil
	}
	spec, err := fs.ReadFile(fsys, setup)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(spec))
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if err := setupLine(dir, fsys, path.Dir(setup), f); err != nil {
			return fmt.Errorf("sample: %s:%d: %w", setup, line, err)
		}
	}
	return sc.Err()
}

func copyTree(dir string, tree fs.FS) error {
	return fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := fs.ReadFile(tree, p)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if bytes.HasPrefix(data, []byte("#!")) {
			mode = 0o755 // embed keeps no modes; scripts are the executables
		}
		return os.WriteFile(dst, data, mode)
	})
}

func setupLine(dir string, fsys fs.FS, base string, f []string) error {
	at := func(p string) (string, error) {
		if !fs.ValidPath(p) {
			return "", fmt.Errorf("bad path %q", p)
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		return dst, os.MkdirAll(filepath.Dir(dst), 0o755)
	}
	switch {
	case f[0] == "dir" && len(f) == 2:
		dst, err := at(f[1])
		if err != nil {
			return err
		}
		return os.MkdirAll(dst, 0o755)
	case f[0] == "link" && len(f) == 3:
		dst, err := at(f[1])
		if err != nil {
			return err
		}
		return os.Symlink(f[2], dst)
	case f[0] == "jks" && len(f) >= 4:
		dst, err := at(f[1])
		if err != nil {
			return err
		}
		var certs [][]byte
		for _, name := range f[3:] {
			data, err := fs.ReadFile(fsys, path.Join(base, name))
			if err != nil {
				return err
			}
			block, _ := pem.Decode(data)
			if block == nil {
				return fmt.Errorf("%s: no PEM block", name)
			}
			certs = append(certs, block.Bytes)
		}
		data, err := SampleKeystore([]byte(f[2]), certs)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	}
	return fmt.Errorf("cannot read setup line %q", quote.Bounded(strings.Join(f, " ")))
}

// SampleKeystore returns a JKS keystore holding the DER certificates as
// trusted entries, aliased by their subject's common name in lower case, all
// created at [SampleEpoch]. It is for sample nodes and tests; editing a
// keystore is truststore's job.
func SampleKeystore(password []byte, certs [][]byte) ([]byte, error) {
	ks := keystore.New(keystore.WithOrderedAliases())
	for _, der := range certs {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		alias := strings.ToLower(strings.ReplaceAll(c.Subject.CommonName, " ", ""))
		err = ks.SetTrustedCertificateEntry(alias, keystore.TrustedCertificateEntry{
			CreationTime: SampleEpoch,
			Certificate:  keystore.Certificate{Type: "X.509", Content: der},
		})
		if err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := ks.Store(&buf, password); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
