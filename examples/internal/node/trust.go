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

// trusted is one certificate to trust, with the name it gets in the stores.
type trusted struct {
	cert  *truststore.Certificate
	alias string
}

// AddCA plans the CAs given with -ca into every trust store that
// truststore's discovery finds under the root: the system store (an anchor
// file named after -ca-alias, then the distribution's update command, which
// also rebuilds the stores derived from it), every Java keystore of every
// JDK, and the PEM bundles of o and -bundle. Stores the update command
// regenerates are never edited behind its back; a keystore that does not
// open with -storepass, or whose format is not edited here, is reported and
// left alone. It does nothing when no CA was given.
func AddCA(n *Node, o CAOptions) error {
	cas, err := parseCAs(n, o.Now)
	if err != nil || len(cas) == 0 {
		return err
	}
	bundles := append(slices.Clone(o.Bundles), n.Config.Bundles...)
	for _, b := range n.Config.Bundles {
		if len(n.Glob(b)) == 0 {
			n.Warn(b, "no such bundle under the root (-bundle)")
		}
	}
	stores, err := truststore.Discover(n.FS, truststore.Discovery{Bundles: bundles})
	if err != nil {
		return fmt.Errorf("find trust stores: %w", err)
	}
	layout, _ := truststore.DetectLayout(n.FS)
	pass := truststore.WithPassword(truststore.NewPassword(n.Config.StorePass.Reveal()))
	system := false
	for _, st := range stores {
		switch {
		case st.Kind == truststore.KindSystem:
			system = true
			update := n.Action(strings.Join(st.Update, " "), st.Update...)
			for _, ca := range cas {
				n.Edit(plan.Step{
					Path:    layout.AnchorPath(ca.alias),
					Edit:    plan.Edit(truststore.AddToBundle(ca.cert)),
					Why:     fmt.Sprintf("the proxy's CA in the system store (%s), then %s", layout.Family, strings.Join(st.Update, " ")),
					Actions: append([]string{update}, o.Then...),
				})
			}
		case st.Regenerated:
			if st.Real != st.Path {
				n.Note("/%s leads to /%s, which %s rebuilds from the system store", st.Path, st.Real, strings.Join(st.Update, " "))
			}
		case st.Problem != "":
			n.Warn("/"+st.Path, "%s: left alone", st.Problem)
		case st.Kind == truststore.KindKeystore:
			b, err := n.ReadFile(st.Path)
			if err != nil {
				return fmt.Errorf("read keystore /%s: %w", st.Path, err)
			}
			if _, _, err := truststore.ListKeystore(b, pass); err != nil {
				if errors.Is(err, truststore.ErrWrongPassword) {
					n.Warn("/"+st.Path, "does not open with -storepass: left alone; give its password with -storepass (or $%s)", EnvStorePass)
				} else {
					n.Warn("/"+st.Path, "not a keystore this program can read (%v): left alone", err)
				}
				continue
			}
			why := "the proxy's CA in a Java keystore"
			if len(st.Links) > 0 {
				why += " (also reached as /" + strings.Join(st.Links, ", /") + ")"
			}
			for _, ca := range cas {
				n.Edit(plan.Step{
					Path:    st.Path,
					Edit:    plan.Edit(truststore.AddToKeystore(ca.cert, ca.alias, pass)),
					Why:     why,
					Actions: o.Then,
				})
			}
		case st.Kind == truststore.KindBundle:
			for _, ca := range cas {
				n.Edit(plan.Step{Path: st.Path, Edit: plan.Edit(truststore.AddToBundle(ca.cert)), Why: "the proxy's CA in a PEM bundle", Actions: o.Then})
			}
		}
	}
	if !system {
		n.Warn("system store", "unknown distribution (no /etc/os-release this program knows): the system CA store is left alone; add the CA by hand")
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
