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

// keystoreGlobs are where JDKs keep their trust stores, relative to the
// root.
//
// TODO(truststore): use truststore's discovery under an fs.FS once it is on
// main; this list is the smallest stand-in.
var keystoreGlobs = []string{
	"usr/lib/jvm/*/lib/security/cacerts",
	"usr/lib/jvm/*/jre/lib/security/cacerts",
	"usr/lib/jvm/*/lib/security/jssecacerts",
	"usr/lib/jvm/*/jre/lib/security/jssecacerts",
	"usr/java/*/lib/security/cacerts",
	"usr/java/*/jre/lib/security/cacerts",
	"opt/*/lib/security/cacerts",
	"opt/*/jre/lib/security/cacerts",
	"opt/mesosphere/packages/java--*/usr/java/lib/security/cacerts",
	"opt/mesosphere/packages/java--*/usr/java/jre/lib/security/cacerts",
	"opt/mesosphere/packages/java--*/usr/java/lib/security/jssecacerts",
	"opt/mesosphere/packages/java--*/usr/java/jre/lib/security/jssecacerts",
	"etc/ssl/certs/java/cacerts",
	"etc/pki/java/cacerts",
}

// addToKeystores plans the CAs into every Java keystore found. A store the
// system store's update command rebuilds is left to it; a store that does not
// open with -storepass, or that is in a format not edited here, is reported
// and left alone.
func addToKeystores(n *Node, cas []trusted, regenerated func(string) bool, then []string) error {
	pass := truststore.WithPassword(truststore.NewPassword(n.Config.StorePass.Reveal()))
	seen := map[string]bool{}
	for _, g := range keystoreGlobs {
		for _, p := range n.Glob(g) {
			real, err := n.Resolve(p)
			if err != nil || seen[real] {
				continue
			}
			seen[real] = true
			if regenerated(real) {
				if real != p {
					n.Note("/%s leads to /%s, which the system store's update command rebuilds", p, real)
				}
				continue
			}
			b, err := n.ReadFile(p)
			if err != nil {
				return fmt.Errorf("read keystore /%s: %w", p, err)
			}
			if _, _, err := truststore.ListKeystore(b, pass); err != nil {
				switch {
				case errors.Is(err, truststore.ErrWrongPassword):
					n.Warn("/"+p, "does not open with -storepass: left alone; give its password with -storepass (or $%s)", EnvStorePass)
				case errors.Is(err, truststore.ErrUnsupportedFormat):
					n.Warn("/"+p, "left alone: %v", err)
				default:
					n.Warn("/"+p, "not a keystore this program can read (%v): left alone", err)
				}
				continue
			}
			for _, ca := range cas {
				n.Edit(plan.Step{
					Path:    p,
					Edit:    plan.Edit(truststore.AddToKeystore(ca.cert, ca.alias, pass)),
					Why:     "the proxy's CA in a Java keystore",
					Actions: then,
				})
			}
		}
	}
	return nil
}
