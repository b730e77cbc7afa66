package node

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/truststore"
)

// CAOptions say where, besides the stores discovery finds, the CA goes.
type CAOptions struct {
	// Bundles are PEM bundles (root-relative paths or globs) to add the CA
	// to where they exist, besides those given with -bundle.
	Bundles []string
	// BundleRoots are directories walked for PEM bundles (see
	// [truststore.Discovery.BundleRoots]).
	BundleRoots []string
	// JavaHomes are JDK or JRE homes to look in besides the usual places:
	// the node's JAVA_HOME values.
	JavaHomes []string
	// Then are actions (names from [Node.Action]) that must follow a change
	// of any trust store: restarts of services that read their CAs once, at
	// start (the Docker daemon, JVMs).
	Then []string
	// ThenFor, when set, gives the actions that follow the change c instead
	// of Then, so that only the services that use the store changed
	// restart; regenerated are the stores c.Update rebuilds from the system
	// store (those discovery found).
	ThenFor func(c truststore.Change, regenerated []truststore.Store) []string
	// Now is the time certificates are checked against; zero means
	// time.Now().
	Now time.Time
}

// caAliases names the CAs named apart from -ca-alias NAME: a -ca-url CA
// by its subject, and every CA a -ca-alias SOURCE=NAME matches, by source
// or fingerprint, the last match winning. A rule that matches no CA is a
// usage error: the operator meant a CA that is not there.
func caAliases(c *Config) (map[truststore.Fingerprint]string, error) {
	aliases := make(map[truststore.Fingerprint]string)
	used := make([]bool, len(c.CAAliases))
	for _, ca := range c.CAs {
		cs, err := truststore.ParseCertificates(ca.Data)
		if err != nil {
			return nil, fmt.Errorf("-ca %s: %w", ca.Name, err)
		}
		for _, cert := range cs {
			fp := cert.Fingerprint()
			alias := ca.Alias
			for i, r := range c.CAAliases {
				if (r.Fingerprint != nil && *r.Fingerprint == fp) || (r.Fingerprint == nil && ca.Source != "" && r.Source == ca.Source) {
					alias, used[i] = r.Name, true
				}
			}
			if alias != "" {
				aliases[fp] = alias
			}
		}
	}
	for i, r := range c.CAAliases {
		if !used[i] {
			return nil, fmt.Errorf("%w: -ca-alias %s=%s: no CA comes from %s (give the -ca FILE, -ca-url URL or -ca-from-proxy HOST as given, or the CA's SHA-256 fingerprint)",
				ErrUsage, quote.Bounded(r.Source), r.Name, quote.Bounded(r.Source))
		}
	}
	return aliases, nil
}

// AddCA plans the CAs given with -ca into every trust store that
// [truststore.Changes] finds under the root: the system store (an anchor
// file named after -ca-alias, then the distribution's update command, which
// also rebuilds the stores derived from it), every Java keystore of every
// JDK, and the PEM bundles of o and -bundle. Every store left alone is
// reported. It does nothing when no CA was given.
func AddCA(n *Node, o CAOptions) error {
	certs, err := parseCAs(n, o.Now)
	if err != nil || len(certs) == 0 {
		return err
	}
	for _, b := range n.Config.Bundles {
		if len(n.Glob(b)) == 0 {
			n.Warn(b, "no such bundle under the root (-bundle)")
		}
	}
	aliases, err := caAliases(n.Config)
	if err != nil {
		return err
	}
	p, err := truststore.Changes(n.FS, certs, truststore.ChangeOptions{
		Alias:    n.Config.CAAlias,
		Aliases:  aliases,
		Password: n.Config.StorePass,
		Skip:     n.Config.Skip,
		Discovery: truststore.Discovery{
			Bundles:     append(slices.Clone(o.Bundles), n.Config.Bundles...),
			BundleRoots: o.BundleRoots,
			JavaHomes:   o.JavaHomes,
		},
	})
	if err != nil {
		return err
	}
	for _, ca := range p.CAs {
		if len(ca.Taken) > 0 {
			n.Note("CA %s as %q: %q already names another certificate on this node, which stays trusted (undo drops both)", ca.Cert, ca.Alias, strings.Join(ca.Taken, `", "`))
			continue
		}
		n.Note("CA %s as %q", ca.Cert, ca.Alias)
	}
	for _, k := range p.Skipped {
		n.Note("/%s: left out on purpose (-skip %s)", k.Store.Path, k.Pattern)
	}
	var regenerated []truststore.Store
	for _, l := range p.Left {
		if l.Store.Regenerated {
			regenerated = append(regenerated, l.Store)
		}
	}
	readOnly := map[string]error{}
	for _, c := range p.Changes {
		if c.Kind != truststore.KindSystem && c.Store.Real != "" {
			err, seen := readOnly[c.Store.Real]
			if !seen {
				err = n.Writable(path.Dir(c.Store.Real))
				readOnly[c.Store.Real] = err
				if err != nil {
					n.Leave("/"+c.Store.Path, fmt.Sprintf("read-only: a new file cannot be written in /%s (%v)", path.Dir(c.Store.Real), err))
				}
			}
			if err != nil {
				continue
			}
		}
		actions := o.Then
		if o.ThenFor != nil {
			actions = o.ThenFor(c, regenerated)
		}
		if c.Update != nil {
			actions = append([]string{n.Action(strings.Join(c.Update, " "), c.Update...)}, actions...)
		}
		n.Edit(plan.Step{Path: c.Path, Edit: c.Edit, Why: c.Why, Actions: actions})
	}
	for _, l := range p.Left {
		st := l.Store
		switch {
		case errors.Is(l.Err, truststore.ErrUnknownLayout):
			n.Warn("system store", "unknown distribution (no /etc/os-release this program knows): the system CA store is left alone; add the CA by hand")
		case st.Regenerated:
			if st.Real != st.Path {
				n.Note("/%s leads to /%s, which %s rebuilds from the system store", st.Path, st.Real, strings.Join(st.Update, " "))
			}
		case errors.Is(l.Err, truststore.ErrWrongPassword):
			n.Leave("/"+st.Path, fmt.Sprintf("wrong password: does not open with -storepass; give its password with -storepass (or $%s), or -skip it", EnvStorePass))
		case errors.Is(l.Err, truststore.ErrUnsupportedFormat):
			n.Leave("/"+st.Path, fmt.Sprintf("unsupported format: %s", l.Reason))
		case errors.Is(l.Err, truststore.ErrWalkLimit):
			n.Leave("/"+st.Path, l.Reason)
		case st.Kind == truststore.KindKeystore:
			n.Leave("/"+st.Path, fmt.Sprintf("unknown format: %s", l.Reason))
		case st.Kind == truststore.KindBundle:
			n.Leave("/"+st.Path, fmt.Sprintf("not valid PEM: %s", l.Reason))
		default:
			n.Leave("/"+st.Path, l.Reason)
		}
	}
	for _, pat := range p.Unmatched {
		n.Warn("-skip "+pat, "matches no trust store found under the root")
	}
	return nil
}

// parseCAs reads the -ca files and checks them as trust anchors.
func parseCAs(n *Node, now time.Time) ([]*truststore.Certificate, error) {
	certs, warns, err := ParseCAs(n.Config, n.Config.CAs, now)
	for _, w := range warns {
		n.Warn(w.Topic, "%s", w.Message)
	}
	return certs, err
}

// ParseCAs reads the CA files cas and checks each certificate as the CA
// to trust at time now (zero: time.Now()) with
// [truststore.Certificate.CheckAnchor]: one that is not a CA certificate is
// an error ([truststore.ErrNotCA]) unless cfg.AllowLeaf (-allow-leaf), one
// that has expired or is not valid yet an error ([truststore.ErrExpired],
// [truststore.ErrNotYetValid]) unless cfg.AllowExpired (-allow-expired);
// allowed, they are warnings. Certificates given twice are kept once.
func ParseCAs(cfg *Config, cas []CA, now time.Time) ([]*truststore.Certificate, []Warning, error) {
	var out []*truststore.Certificate
	var warns []Warning
	for _, f := range cas {
		certs, err := truststore.ParseCertificates(f.Data)
		if err != nil {
			return nil, nil, fmt.Errorf("-ca %s: %w", f.Name, err)
		}
		for _, c := range certs {
			if slices.ContainsFunc(out, func(o *truststore.Certificate) bool { return o.Fingerprint() == c.Fingerprint() }) {
				continue
			}
			ws, err := c.CheckAnchor(truststore.AnchorOptions{Now: now, AllowLeaf: cfg.AllowLeaf, AllowExpired: cfg.AllowExpired})
			if err != nil {
				return nil, nil, fmt.Errorf("-ca %s: %w: %s", f.Name, err, anchorHint[errors.Unwrap(err)])
			}
			for _, w := range ws {
				warns = append(warns, Warning{Topic: "-ca " + f.Name, Message: w.String()})
			}
			out = append(out, c)
		}
	}
	return out, warns, nil
}

// anchorHint says what to do about a CA [truststore.Certificate.CheckAnchor]
// refuses.
var anchorHint = map[error]string{
	truststore.ErrNotCA:       "give the proxy's CA (the top of the chain it presents), or -allow-leaf to install this one anyway",
	truststore.ErrExpired:     "give the proxy's current CA, or -allow-expired to install it anyway",
	truststore.ErrNotYetValid: "check the clock, or -allow-expired to install it anyway",
}
