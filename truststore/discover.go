package truststore

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/rootfs"
)

// StoreKind is what kind of trust store a [Store] is.
type StoreKind int

const (
	// KindSystem is the distribution's system store: add the CA as a file in
	// [Store.Path] (the anchor directory) and run [Store.Update].
	KindSystem StoreKind = iota + 1
	// KindKeystore is a Java keystore (see [Store.Format]).
	KindKeystore
	// KindBundle is a PEM bundle.
	KindBundle
)

func (k StoreKind) String() string {
	switch k {
	case KindSystem:
		return "system store"
	case KindKeystore:
		return "Java keystore"
	case KindBundle:
		return "PEM bundle"
	}
	return "unknown"
}

// Store is one trust store found by [Discover]. Paths are relative to the
// root of the file system searched.
type Store struct {
	Kind StoreKind
	// Path is where the store was first found, as found (it may go through
	// symbolic links): "usr/lib/jvm/java-17-openjdk-amd64/lib/security/cacerts".
	Path string
	// Real is the file Path resolves to inside the root: the file to edit
	// (keeping the links): "etc/ssl/certs/java/cacerts".
	Real string
	// Links are the other paths found that resolve to Real.
	Links []string
	// Format is a keystore's format, told by its content.
	Format KeystoreFormat
	// Regenerated is true for a store the distribution rebuilds from the
	// system store: do not edit it; add the CA to the system store and run
	// Update, which carries it here.
	Regenerated bool
	// Update is the command that keeps the CA in this store: the system
	// store's update command, for the system store and regenerated stores.
	Update []string
	// Problem says why a store found cannot be edited (an unknown format,
	// unreadable content); empty when it can.
	Problem string
	// Err is the error behind Problem, for a program to branch on: it
	// wraps [ErrUnsupportedFormat] for a keystore format recognised but not
	// edited (JCEKS), [ErrMalformed] for content that does not read as the
	// store (a keystore of no known format, a bundle that is not PEM),
	// [ErrWalkLimit] for the walk cut short; or is the error that reading
	// failed with.
	Err error
}

// Discovery says where [Discover] looks. The zero value looks in the
// default places of the detected distribution family.
type Discovery struct {
	// JavaHomes are JDK or JRE directories to search besides the default
	// ones, such as the value of JAVA_HOME. Absolute paths are taken
	// relative to the root.
	JavaHomes []string
	// JDKGlobs are the patterns (path.Match syntax, per path element) of
	// directories holding JDKs; nil means [DefaultJDKGlobs].
	JDKGlobs []string
	// Bundles are PEM bundles to report: paths or patterns relative to the
	// root ("opt/mesosphere/packages/python-requests--*/lib/python3*/site-packages/requests/cacert.pem").
	Bundles []string
	// BundleRoots are directories (paths or patterns relative to the root)
	// walked for PEM bundles: every file named as BundleNames below them,
	// at most [MaxWalkDepth] levels down, is a bundle, told by its content
	// (one that does not read as PEM certificates is reported with its
	// Problem). Links are followed inside the root and each directory is
	// entered once. Where the file system hands out open directories
	// (os.DirFS, os.Root), a few goroutines list directories ahead of the
	// walk, which finds the same in the same order; none outlives
	// [Discover]. Nil walks nothing; [DCOSBundleRoots] and
	// [DefaultBundleRoots] are the usual places.
	BundleRoots []string
	// BundleNames are the file names the walk takes for bundles; nil means
	// [DefaultBundleNames].
	BundleNames []string
	// KeystoreFiles are the keystores of a JDK or JRE home, relative to
	// it; nil means [DefaultKeystoreFiles].
	KeystoreFiles []string
	// Layouts are the candidate system store layouts; nil means [Layouts].
	Layouts []Layout
}

// Discover finds the trust stores of the node whose root file system is
// fsys: the system store of the detected family, every Java keystore under
// the JDK directories and JavaHomes, and the PEM bundles matching
// d.Bundles. Symbolic links are resolved inside the root (an absolute link
// target starts at fsys's root, at most 40 links per path), so a store
// reached through several links is reported once. Stores the distribution
// regenerates are marked so, with the command that keeps the CA there.
//
// fsys should implement [fs.ReadLinkFS] (os.DirFS does): without it links
// cannot be resolved inside the root. Discover only reads.
func Discover(fsys fs.FS, d Discovery) ([]Store, error) {
	var stores []Store
	byReal := map[string]int{}
	layouts := d.Layouts
	if layouts == nil {
		layouts = Layouts()
	}
	layout, haveLayout := detectLayout(fsys, layouts)
	regenerated := map[string]bool{}
	if haveLayout {
		stores = append(stores, Store{Kind: KindSystem, Path: layout.AnchorDir, Real: layout.AnchorDir, Update: slices.Clone(layout.Update)})
		for _, p := range append([]string{layout.Bundle}, layout.Derived...) {
			if real, err := resolve(fsys, p); err == nil {
				regenerated[real] = true
			}
		}
	}
	add := func(kind StoreKind, p string) error {
		real, err := resolve(fsys, p)
		if errors.Is(err, rootfs.ErrTooManyLinks) {
			stores = append(stores, Store{Kind: kind, Path: p, Problem: err.Error(), Err: err})
			return nil
		}
		if err != nil { // missing, a dangling link, a file where a directory should be
			return nil
		}
		if i, ok := byReal[real]; ok {
			if stores[i].Path != p && !slices.Contains(stores[i].Links, p) {
				stores[i].Links = append(stores[i].Links, p)
			}
			return nil
		}
		if fi, err := fs.Stat(fsys, real); err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		s := Store{Kind: kind, Path: p, Real: real}
		if regenerated[real] {
			s.Regenerated, s.Update = true, slices.Clone(layout.Update)
		}
		_, b, err := readResolved(fsys, real, MaxInput)
		switch {
		case err != nil:
			s.Problem, s.Err = err.Error(), err
		case kind == KindKeystore:
			if s.Format = DetectKeystore(b); s.Format != FormatJKS && s.Format != FormatPKCS12 {
				s.Problem, s.Err = "keystore format "+s.Format.String()+" is not edited here", ErrUnsupportedFormat
				if s.Format == FormatUnknown {
					s.Err = ErrMalformed
				}
			}
		case kind == KindBundle:
			if _, err := ListBundle(b); err != nil {
				s.Problem, s.Err = err.Error(), err
			}
		}
		byReal[real] = len(stores)
		stores = append(stores, s)
		return nil
	}

	globs := d.JDKGlobs
	if globs == nil {
		globs = DefaultJDKGlobs()
	}
	// The usual places first, then the homes given: a home given that is
	// reached through a link (DC/OS's /opt/mesosphere/active/java) is
	// reported as a link to the store found in its package.
	var homes []string
	for _, g := range globs {
		m, err := glob(fsys, g)
		if err != nil {
			return nil, err
		}
		homes = append(homes, m...)
	}
	for _, h := range d.JavaHomes {
		if h = relative(h); h != "" {
			homes = append(homes, h)
		}
	}
	keystoreFiles := d.KeystoreFiles
	if keystoreFiles == nil {
		keystoreFiles = DefaultKeystoreFiles()
	}
	for _, h := range homes {
		for _, f := range keystoreFiles {
			if err := add(KindKeystore, path.Join(h, f)); err != nil {
				return nil, err
			}
		}
	}
	// The stores the distribution derives, where no JDK reached them.
	if haveLayout {
		for _, p := range layout.Derived {
			if strings.HasSuffix(p, "cacerts") {
				if err := add(KindKeystore, p); err != nil {
					return nil, err
				}
			}
		}
	}
	var walked []string
	var walkErr error
	if len(d.BundleRoots) > 0 {
		names := d.BundleNames
		if names == nil {
			names = DefaultBundleNames()
		}
		walked, walkErr = walkBundles(fsys, d.BundleRoots, names)
		if walkErr != nil && !isWalkLimit(walkErr) {
			return nil, walkErr
		}
	}
	for _, p := range walked {
		if err := add(KindBundle, p); err != nil {
			return nil, err
		}
	}
	if walkErr != nil {
		stores = append(stores, Store{Kind: KindBundle, Path: relative(d.BundleRoots[0]), Problem: walkErr.Error() + ": PEM bundles past it were not looked for", Err: walkErr})
	}
	for _, pattern := range d.Bundles {
		m, err := glob(fsys, relative(pattern))
		if err != nil {
			return nil, err
		}
		for _, p := range m {
			if err := add(KindBundle, p); err != nil {
				return nil, err
			}
		}
	}
	return stores, nil
}

func detectLayout(fsys fs.FS, layouts []Layout) (Layout, bool) {
	l, ok := DetectLayout(fsys)
	if !ok {
		return l, false
	}
	for _, c := range layouts {
		if c.Family == l.Family {
			return c, true
		}
	}
	return Layout{}, false
}

// glob is [rootfs.Glob]: the names matching pattern, links followed inside
// the root.
func glob(fsys fs.FS, pattern string) ([]string, error) { return rootfs.Glob(fsys, pattern) }

// relative turns an absolute path into one relative to the root.
func relative(p string) string {
	p = path.Clean("/" + p)
	return strings.TrimPrefix(p, "/")
}
