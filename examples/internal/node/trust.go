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
		Alias:    n.Config.CAAlias,
		Password: n.Config.StorePass,
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

// parseCAs reads the -ca files and checks them as trust anchors.
func parseCAs(n *Node, now time.Time) ([]*truststore.Certificate, error) {
	certs, warns, err := ParseCAs(n.Config, n.Config.CAs, now)
	for _, w := range warns {
		n.Warn(w.Topic, "%s", w.Message)
	}
	return certs, err
}

// ParseCAs reads the CA files cas and checks each certificate as a trust
// anchor at time now (zero: time.Now()): one that is not a CA certificate
// (basicConstraints CA:FALSE, or none) is an error ([ErrNotCA]) unless
// cfg.AllowLeaf (-allow-leaf), one that has expired or is not valid yet an
// error ([ErrExpired]) unless cfg.AllowExpired (-allow-expired); allowed,
// they are warnings. Certificates given twice are kept once.
func ParseCAs(cfg *Config, cas []CA, now time.Time) ([]*truststore.Certificate, []Warning, error) {
	if now.IsZero() {
		now = time.Now()
	}
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
			if err := checkAnchor(cfg, c, now); err != nil {
				return nil, nil, fmt.Errorf("-ca %s: %w", f.Name, err)
			}
			for _, w := range c.Warnings(now) {
				warns = append(warns, Warning{Topic: "-ca " + f.Name, Message: w.String()})
			}
			out = append(out, c)
		}
	}
	return out, warns, nil
}

// Errors of the CA checks.
var (
	// ErrNotCA: a -ca certificate is not a CA certificate; -allow-leaf
	// installs it anyway.
	ErrNotCA = errors.New("not a CA certificate")
	// ErrExpired: a -ca certificate is outside its validity; -allow-expired
	// installs it anyway.
	ErrExpired = errors.New("certificate outside its validity")
)

// checkAnchor refuses a certificate no client would accept as the proxy's
// CA, unless the configuration allows it.
func checkAnchor(cfg *Config, c *truststore.Certificate, now time.Time) error {
	x := c.X509()
	if !cfg.AllowLeaf && (!x.BasicConstraintsValid || !x.IsCA) {
		why := "basicConstraints CA:FALSE"
		if !x.BasicConstraintsValid {
			why = "no basicConstraints extension"
		}
		return fmt.Errorf("%w: certificate %s has %s, so clients accept no certificate it signed: "+
			"give the proxy's CA (the top of the chain it presents), or -allow-leaf to install this one anyway", ErrNotCA, c, why)
	}
	if !cfg.AllowExpired {
		switch {
		case now.After(x.NotAfter):
			return fmt.Errorf("%w: certificate %s expired on %s: give the proxy's current CA, or -allow-expired to install it anyway",
				ErrExpired, c, x.NotAfter.UTC().Format(time.DateOnly))
		case now.Before(x.NotBefore):
			return fmt.Errorf("%w: certificate %s is not valid before %s: check the clock, or -allow-expired to install it anyway",
				ErrExpired, c, x.NotBefore.UTC().Format(time.DateOnly))
		}
	}
	return nil
}
