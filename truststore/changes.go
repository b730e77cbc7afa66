package truststore

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// ChangeOptions say how [Changes] names the CAs, opens the keystores and
// where it looks for stores. The zero value names the CA "corporate_proxy",
// opens keystores with the JDK's default password and looks in the default
// places of the detected distribution family.
type ChangeOptions struct {
	// Alias is the name of the first CA in Java keystores and the file name
	// (without extension) of its anchor in the system store: a plain name
	// without blanks or slashes; "" means "corporate_proxy". The n-th CA
	// (n > 1) gets Alias-n: "corporate_proxy-2".
	Alias string
	// Aliases name particular CAs, by fingerprint, instead of Alias: a
	// cluster's CA and the proxy's, each under its own name, can be trusted
	// and removed apart. Each must be a plain name, as Alias.
	Aliases map[Fingerprint]string
	// Password opens and protects the Java keystores; the zero value means
	// [DefaultJavaPassword] ("changeit").
	Password Password
	// Discovery says where to look for stores, as for [Discover]; put the
	// PEM bundles to change in Discovery.Bundles ([DefaultBundleGlobs] and
	// any others), or the directories to walk for them in
	// Discovery.BundleRoots ([DefaultBundleRoots], [DCOSBundleRoots]).
	Discovery Discovery
}

// Plan is every change [Changes] found for a node, and every store it
// leaves alone, with the reason: nothing is left out in silence.
type Plan struct {
	// Changes are the files to write, in the order found: the system
	// store's anchors first, then keystores, then bundles. Apply all of
	// them, then run each distinct [Change.Update].
	Changes []Change
	// Left are the stores found that must not, or cannot, be changed.
	Left []Left
	// CAs are the certificates added, once each, with their names.
	CAs []CA
	// Layout is the system store layout detected; zero when none was.
	Layout Layout
}

// CA is a certificate to trust, with the name it gets in the stores: the
// alias in Java keystores, the anchor's file name in the system store.
type CA struct {
	Cert  *Certificate
	Alias string
}

// Change is one file to write: apply Edit to the file's current bytes (nil
// when it does not exist) and write the result to Path.
type Change struct {
	// Path is the file to write, relative to the root: the store as
	// discovery found it, or the system store's new anchor file. It may
	// reach the store through symbolic links, to be followed inside the root
	// ([Store.Real] is the file they lead to); writing the file they lead to
	// keeps the links.
	Path string
	// Edit adds the CA; it is pure and idempotent.
	Edit func(old []byte) ([]byte, error)
	// Kind is the kind of store changed.
	Kind StoreKind
	// Why says what the change is, for a person reviewing it: "the proxy's
	// CA in a Java keystore (also reached as /etc/pki/java/cacerts)".
	Why string
	// Update is the command to run once the file is written, so that the
	// stores the distribution regenerates carry the CA too:
	// {"update-ca-trust", "extract"}. Nil when none is needed.
	Update []string
	// Store is the store changed, as [Discover] reported it.
	Store Store
	// CA is the certificate added, with its name.
	CA CA
}

// Left is a store [Changes] leaves alone, with the reason.
type Left struct {
	Store Store
	// Reason says why, for a person: "rebuilt by update-ca-trust extract
	// from the system store".
	Reason string
	// Err is the error that made the store unusable, when there was one:
	// it wraps [ErrWrongPassword] for a keystore that does not open with the
	// password given, [ErrUnknownLayout] when no system store was found.
	Err error
}

// Changes returns what adds certs to every trust store of the node whose
// root file system is fsys: an anchor file per CA in the system store
// (followed by the distribution's update command, which also rebuilds the
// stores derived from it), every Java keystore of every JDK, and the PEM
// bundles of opts.Discovery.Bundles. A store the update command regenerates
// is never edited behind its back; a keystore that does not open with the
// password, or whose format is not edited here, and a store that cannot be
// read are left, each with its reason. Certificates that appear twice
// (same [Fingerprint]) are added once.
//
// Changes only reads fsys, through [Discover]; it returns an error only when
// discovery fails or the alias is unusable.
func Changes(fsys fs.FS, certs []*Certificate, opts ChangeOptions) (Plan, error) {
	alias := opts.Alias
	if alias == "" {
		alias = "corporate_proxy"
	}
	if strings.ContainsAny(alias, "/\\ \t\r\n") {
		return Plan{}, fmt.Errorf("alias %q: want a plain name without blanks or slashes: %w", quote.Bounded(alias), ErrMalformed)
	}
	var p Plan
	defaults := 0 // CAs named after alias so far
	for _, c := range certs {
		if c == nil || slices.ContainsFunc(p.CAs, func(t CA) bool { return t.Cert.Fingerprint() == c.Fingerprint() }) {
			continue
		}
		a, own := opts.Aliases[c.Fingerprint()]
		switch {
		case own && (a == "" || strings.ContainsAny(a, "/\\ \t\r\n")):
			return Plan{}, fmt.Errorf("alias %q: want a plain name without blanks or slashes: %w", quote.Bounded(a), ErrMalformed)
		case own:
		case defaults == 0:
			a, defaults = alias, 1
		default:
			defaults++
			a = fmt.Sprintf("%s-%d", alias, defaults)
		}
		p.CAs = append(p.CAs, CA{Cert: c, Alias: a})
	}
	if len(p.CAs) == 0 {
		return p, nil
	}
	stores, err := Discover(fsys, opts.Discovery)
	if err != nil {
		return Plan{}, fmt.Errorf("find trust stores: %w", err)
	}
	layouts := opts.Discovery.Layouts
	if layouts == nil {
		layouts = Layouts()
	}
	p.Layout, _ = detectLayout(fsys, layouts)
	pass := opts.Password
	if pass.IsZero() {
		pass = DefaultJavaPassword()
	}
	system := false
	for _, st := range stores {
		switch {
		case st.Kind == KindSystem:
			system = true
			update := strings.Join(st.Update, " ")
			for _, ca := range p.CAs {
				p.Changes = append(p.Changes, Change{
					Path: p.Layout.AnchorPath(ca.Alias), Edit: AddToBundle(ca.Cert), Kind: KindSystem, Store: st, CA: ca,
					Why:    fmt.Sprintf("the proxy's CA in the system store (%s), then %s", p.Layout.Family, update),
					Update: slices.Clone(st.Update),
				})
			}
		case st.Regenerated:
			p.Left = append(p.Left, Left{Store: st, Reason: fmt.Sprintf("rebuilt by %s from the system store", strings.Join(st.Update, " "))})
		case st.Problem != "":
			p.Left = append(p.Left, Left{Store: st, Reason: st.Problem})
		case st.Kind == KindKeystore:
			_, b, err := readResolved(fsys, st.Real, MaxInput)
			if err == nil {
				_, _, err = ListKeystore(b, WithPassword(pass))
			}
			if err != nil {
				reason := fmt.Sprintf("not a keystore this package can read (%v)", err)
				if errors.Is(err, ErrWrongPassword) {
					reason = "does not open with the password given"
				}
				p.Left = append(p.Left, Left{Store: st, Reason: reason, Err: err})
				continue
			}
			why := "the proxy's CA in a Java keystore"
			if len(st.Links) > 0 {
				why += " (also reached as /" + strings.Join(st.Links, ", /") + ")"
			}
			for _, ca := range p.CAs {
				p.Changes = append(p.Changes, Change{Path: st.Path, Edit: AddToKeystore(ca.Cert, ca.Alias, WithPassword(pass)), Kind: KindKeystore, Store: st, CA: ca, Why: why})
			}
		case st.Kind == KindBundle:
			for _, ca := range p.CAs {
				p.Changes = append(p.Changes, Change{Path: st.Path, Edit: AddToBundle(ca.Cert), Kind: KindBundle, Store: st, CA: ca, Why: "the proxy's CA in a PEM bundle"})
			}
		}
	}
	if !system {
		p.Left = append(p.Left, Left{Store: Store{Kind: KindSystem}, Reason: "unknown distribution (no /etc/os-release this package knows): add the CA to the system store by hand", Err: ErrUnknownLayout})
	}
	return p, nil
}
