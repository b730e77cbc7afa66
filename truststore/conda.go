package truststore

import (
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Conda is a conda installation found by [DiscoverConda]. Paths are
// relative to the root of the file system searched.
type Conda struct {
	// Prefix is the installation's directory: "opt/conda".
	Prefix string
	// Condarc is the installation's own configuration file, Prefix/.condarc,
	// which every user of it reads: where conda's proxy_servers go (the
	// proxyenv package's Settings.Condarc writes them), and its ssl_verify.
	Condarc string
	// Bundles are the CA bundles conda and the installation's Pythons read,
	// as patterns for [Discovery.Bundles]: each of [DefaultCondaBundles]
	// under Prefix, then the file the .condarc's ssl_verify names, when it
	// names one.
	Bundles []string
}

// DiscoverConda finds the conda installations under the root fsys: each
// directory matching one of prefixes (path.Match patterns per element,
// relative to the root; nil means [DefaultCondaPrefixes]) that holds
// conda-meta/, links followed inside the root. It returns them in the order
// of prefixes, each matched pattern's directories sorted; an error only for
// a malformed pattern. It only reads.
func DiscoverConda(fsys fs.FS, prefixes []string) ([]Conda, error) {
	if prefixes == nil {
		prefixes = DefaultCondaPrefixes()
	}
	var out []Conda
	for _, g := range prefixes {
		dirs, err := glob(fsys, relative(g))
		if err != nil {
			return nil, err
		}
		for _, p := range dirs {
			if _, err := resolve(fsys, path.Join(p, "conda-meta")); err != nil {
				continue
			}
			c := Conda{Prefix: p, Condarc: path.Join(p, ".condarc")}
			for _, b := range DefaultCondaBundles() {
				c.Bundles = append(c.Bundles, path.Join(p, b))
			}
			if rc, err := readFile(fsys, c.Condarc, MaxInput); err == nil {
				if v, ok := condarcSSLVerify(rc); ok {
					c.Bundles = append(c.Bundles, v)
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// condarcSSLVerify returns the root-relative CA bundle a .condarc names in
// ssl_verify: an absolute path, not the root itself (true and false name
// none).
func condarcSSLVerify(b []byte) (string, bool) {
	var c struct {
		SSLVerify any `yaml:"ssl_verify"`
	}
	if yaml.Unmarshal(b, &c) != nil {
		return "", false
	}
	if p, ok := c.SSLVerify.(string); ok && strings.HasPrefix(p, "/") && relative(p) != "" {
		return relative(p), true
	}
	return "", false
}

// PublicRoots returns the node's copy of the public roots, to start a
// bundle of one's own from ([SeededBundle]): the bundle of the first conda
// installation [DiscoverConda] finds (ssl/cacert.pem, certifi's copy of
// Mozilla's roots), else the system bundle of the detected layout
// (Mozilla's roots too). ok is false when neither can be read. It only
// reads.
func PublicRoots(fsys fs.FS) (p string, pem []byte, ok bool) {
	var candidates []string
	condas, _ := DiscoverConda(fsys, nil)
	for _, c := range condas {
		candidates = append(candidates, path.Join(c.Prefix, "ssl/cacert.pem"))
	}
	if l, ok := DetectLayout(fsys); ok {
		candidates = append(candidates, l.Bundle)
	}
	for _, c := range candidates {
		if b, err := readFile(fsys, c, MaxInput); err == nil {
			return c, b, true
		}
	}
	return "", nil, false
}
