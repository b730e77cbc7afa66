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
	// (n > 1) gets Alias-n: "corporate_proxy-2". A name that a keystore or
	// an anchor of the node already gives a different certificate (a CA
	// added by an earlier run: the proxy's CA rotated) is passed over for
	// the next, Alias-2, Alias-3, …: the new CA is trusted beside the old
	// one, each under a name of its own ([CA.Taken] lists the names passed
	// over), and a second run picks the same names.
	Alias string
	// Aliases name particular CAs, by fingerprint, instead of Alias: a
	// cluster's CA and the proxy's, each under its own name, can be trusted
	// and removed apart. Each must be a plain name, as Alias, and is used as
	// given: a store that gives it to a different certificate refuses the
	// edit ([ErrAliasTaken]).
	Aliases map[Fingerprint]string
	// Password opens and protects the Java keystores; the zero value means
	// [DefaultJavaPassword] ("changeit").
	Password Password
	// Discovery says where to look for stores, as for [Discover]; put the
	// PEM bundles to change in Discovery.Bundles ([DefaultBundleGlobs] and
	// any others), or the directories to walk for them in
	// Discovery.BundleRoots ([DefaultBundleRoots], [DCOSBundleRoots]).
	Discovery Discovery
	// Skip leaves stores out on purpose: patterns of absolute paths, each
	// matching a store as [Store.Matches] says (its path, the file it leads
	// to, a link to it, or a directory above one of them). A store skipped
	// is neither changed nor left, but listed in [Plan.Skipped]; a store the
	// system store's update command regenerates is left as such, whatever
	// Skip says.
	Skip []string
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
	// Skipped are the stores left out on purpose ([ChangeOptions.Skip]),
	// in the order found.
	Skipped []Skipped
	// Unmatched are the patterns of [ChangeOptions.Skip], as given, that
	// match no store found (a regenerated one included): a typo, or a store
	// this node does not have.
	Unmatched []string
}

// CA is a certificate to trust, with the name it gets in the stores: the
// alias in Java keystores, the anchor's file name in the system store.
type CA struct {
	Cert  *Certificate
	Alias string
	// Taken are the names ([ChangeOptions.Alias], Alias-2, …) passed over
	// because a store of the node gives them to a different certificate,
	// which stays trusted; nil when there were none.
	Taken []string
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
	// Err is the error that made the store unusable, when there was one
	// (nil for a store regenerated from the system store): it wraps
	// [ErrWrongPassword] for a keystore that does not open with the password
	// given, [ErrUnknownLayout] when no system store was found, and
	// otherwise is [Store.Err] or the error reading the keystore failed with.
	Err error
}

// Changes returns what adds certs to every trust store of the node whose
// root file system is fsys: an anchor file per CA in the system store
// (followed by the distribution's update command, which also rebuilds the
// stores derived from it), every Java keystore of every JDK, and the PEM
// bundles of opts.Discovery.Bundles. A store the update command regenerates
// is never edited behind its back; a keystore that does not open with the
// password, or whose format is not edited here, and a store that cannot be
// read are left, each with its reason; a store opts.Skip names is left out
// on purpose ([Plan.Skipped]). Certificates that appear twice (same
// [Fingerprint]) are added once.
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
	for _, c := range certs {
		if c == nil || slices.ContainsFunc(p.CAs, func(t CA) bool { return t.Cert.Fingerprint() == c.Fingerprint() }) {
			continue
		}
		a, own := opts.Aliases[c.Fingerprint()]
		if own && (a == "" || strings.ContainsAny(a, "/\\ \t\r\n")) {
			return Plan{}, fmt.Errorf("alias %q: want a plain name without blanks or slashes: %w", quote.Bounded(a), ErrMalformed)
		}
		p.CAs = append(p.CAs, CA{Cert: c, Alias: a}) // "": named after alias below
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
	keystores := make(map[string][]KeystoreEntry) // by Store.Real: the keystores that open
	keystoreErrs := make(map[string]error)
	for _, st := range stores {
		if _, skip := skipped(opts.Skip, st); skip || st.Kind != KindKeystore || st.Regenerated || st.Problem != "" {
			continue
		}
		_, b, err := readResolved(fsys, st.Real, MaxInput)
		var entries []KeystoreEntry
		if err == nil {
			entries, _, err = ListKeystore(b, WithPassword(pass))
		}
		if err != nil {
			keystoreErrs[st.Real] = err
			continue
		}
		keystores[st.Real] = entries
	}
	nameDefaults(fsys, &p, alias, keystores)
	system := false
	for _, st := range stores {
		if st.Kind == KindSystem {
			system = true
		}
		if pat, ok := skipped(opts.Skip, st); ok && !st.Regenerated {
			p.Skipped = append(p.Skipped, Skipped{Store: st, Pattern: pat})
			continue
		}
		switch {
		case st.Kind == KindSystem:
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
			p.Left = append(p.Left, Left{Store: st, Reason: st.Problem, Err: st.Err})
		case st.Kind == KindKeystore:
			if err := keystoreErrs[st.Real]; err != nil {
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
	for _, pat := range opts.Skip {
		if !slices.ContainsFunc(stores, func(st Store) bool { return st.Matches(pat) }) {
			p.Unmatched = append(p.Unmatched, pat)
		}
	}
	return p, nil
}

// nameDefaults names the CAs of p that have no alias of their own after
// alias: the first CA alias, the n-th alias-n, passing over the names other
// CAs of p use and those a store of the node gives a different certificate
// (a keystore of keystores, by real path, or an anchor file in the system
// store), so that a CA added beside an earlier one never replaces it and a
// second run finds the same names.
func nameDefaults(fsys fs.FS, p *Plan, alias string, keystores map[string][]KeystoreEntry) {
	used := func(name string) bool {
		return slices.ContainsFunc(p.CAs, func(ca CA) bool { return strings.EqualFold(ca.Alias, name) })
	}
	taken := func(name string, fp Fingerprint) bool {
		for _, entries := range keystores {
			if slices.ContainsFunc(entries, func(e KeystoreEntry) bool { return e.Trusted && e.Fingerprint == fp }) {
				continue // the keystore has the CA already, under whatever name
			}
			if slices.ContainsFunc(entries, func(e KeystoreEntry) bool { return strings.EqualFold(e.Alias, name) }) {
				return true
			}
		}
		if p.Layout.AnchorDir == "" {
			return false
		}
		b, err := readFile(fsys, p.Layout.AnchorPath(name), MaxInput)
		if errors.Is(err, fs.ErrNotExist) {
			return false
		}
		if err != nil {
			return true
		}
		entries, err := ListBundle(b)
		return err != nil || !slices.ContainsFunc(entries, func(e BundleEntry) bool { return e.Fingerprint == fp })
	}
	n := 0 // the last default name's number
	for i := range p.CAs {
		ca := &p.CAs[i]
		if ca.Alias != "" {
			continue
		}
		for ca.Alias == "" {
			n++
			name := alias
			if n > 1 {
				name = fmt.Sprintf("%s-%d", alias, n)
			}
			switch {
			case used(name):
			case taken(name, ca.Cert.Fingerprint()):
				ca.Taken = append(ca.Taken, name)
			default:
				ca.Alias = name
			}
		}
	}
}
