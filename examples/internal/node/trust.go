package node

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/truststore"
)

// CAOptions say where, besides the stores discovery finds, the CA goes.
type CAOptions struct {
	// Bundles are PEM bundles (root-relative paths or globs) to add the CA
	// to where they exist, besides those given with -bundle.
	Bundles []string
	// Then are actions (names from [Node.Action]) that must follow a change
	// of any trust store: restarts of services that read their CAs once, at
	// start (the Docker daemon, JVMs).
	Then []string
	// Now is the time certificates are checked against; zero means
	// time.Now().
	Now time.Time
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
	p, err := truststore.Changes(n.FS, certs, truststore.ChangeOptions{
		Alias:     n.Config.CAAlias,
		Password:  n.Config.StorePass,
		Discovery: truststore.Discovery{Bundles: append(slices.Clone(o.Bundles), n.Config.Bundles...)},
	})
	if err != nil {
		return err
	}
	for _, ca := range p.CAs {
		n.Note("CA %s as %q", ca.Cert, ca.Alias)
	}
	for _, c := range p.Changes {
		actions := o.Then
		if c.Update != nil {
			actions = append([]string{n.Action(strings.Join(c.Update, " "), c.Update...)}, o.Then...)
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
			n.Warn("/"+st.Path, "does not open with -storepass: left alone; give its password with -storepass (or $%s)", EnvStorePass)
		default:
			n.Warn("/"+st.Path, "%s: left alone", l.Reason)
		}
	}
	return nil
}

// parseCAs reads the -ca files and warns about doubtful trust anchors.
func parseCAs(n *Node, now time.Time) ([]*truststore.Certificate, error) {
	if now.IsZero() {
		now = time.Now()
	}
	var out []*truststore.Certificate
	for _, f := range n.Config.CAs {
		certs, err := truststore.ParseCertificates(f.Data)
		if err != nil {
			return nil, fmt.Errorf("-ca %s: %w", f.Name, err)
		}
		for _, c := range certs {
			if slices.ContainsFunc(out, func(o *truststore.Certificate) bool { return o.Fingerprint() == c.Fingerprint() }) {
				continue
			}
			for _, w := range c.Warnings(now) {
				n.Warn("-ca "+f.Name, "%s", w)
			}
			out = append(out, c)
		}
	}
	return out, nil
}
