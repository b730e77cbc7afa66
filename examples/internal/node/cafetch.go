package node

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// CASources are the flags that fetch a CA instead of reading it from a
// file, shared by the programs: -ca-url, -ca-from-proxy, -fingerprint and
// -fetch-timeout. Register them with [CASources.Register], then add what
// they fetch with [Node.FetchCAs] (or [CASources.Fetch] where there is no
// node).
type CASources struct {
	urls         []string      // -ca-url
	fromProxy    []string      // -ca-from-proxy
	fingerprints []string      // -fingerprint
	Timeout      time.Duration // -fetch-timeout
}

// Register adds the flags to fs.
func (c *CASources) Register(fs *flag.FlagSet) {
	fs.DurationVar(&c.Timeout, "fetch-timeout", 20*time.Second, "bound on fetching a CA with -ca-url or -ca-from-proxy")
	fs.Func("ca-url", "fetch the CA from `URL` (https://CLUSTER fetches DC/OS's /ca/dcos-ca.crt); refused unless it matches -fingerprint; repeatable", appendTo(&c.urls))
	fs.Func("ca-from-proxy", "discover the intercepting proxy's CA: CONNECT through the proxy to `HOST[:PORT]` and offer the root of the chain it presents; refused unless it matches -fingerprint; repeatable", appendTo(&c.fromProxy))
	fs.Func("fingerprint", "the SHA-256 `FINGERPRINT` a fetched CA must have (colons, spaces or none; any case); repeatable", appendTo(&c.fingerprints))
}

func (c *CASources) any() bool { return len(c.urls)+len(c.fromProxy) > 0 }

// FetchCAs fetches every CA the flags of c name, trusting the node's own
// system store (the host's when the root has none) for -ca-url, and adds
// them to the node's CAs, for the same stores as -ca.
func (n *Node) FetchCAs(c *CASources) error {
	if !c.any() && len(c.fingerprints) == 0 {
		return nil
	}
	roots, _ := truststore.SystemPool(n.FS) // nil: the fetch uses the host's
	fetched, err := c.Fetch(n.Config.Settings, roots, n.Note)
	if err != nil {
		return err
	}
	n.Config.CAs = append(n.Config.CAs, fetched...)
	return nil
}

// Fetch gets every CA the flags name with [probe.FetchCAs], and returns
// those whose fingerprint matches as a [CA] for the same stores as -ca,
// noting each. A CA from -ca-url is a cluster's, not the proxy's: it is
// named by its own subject ([truststore.Certificate.Alias]), so that it
// and the proxy's CA (named by -ca-alias) can be removed apart.
func (c *CASources) Fetch(s proxyenv.Settings, roots *x509.CertPool, note func(string, ...any)) ([]CA, error) {
	if !c.any() {
		if len(c.fingerprints) > 0 {
			return nil, fmt.Errorf("%w: -fingerprint without -ca-url or -ca-from-proxy", ErrUsage)
		}
		return nil, nil
	}
	var want []truststore.Fingerprint
	for _, f := range c.fingerprints {
		fp, err := truststore.ParseFingerprint(f)
		if err != nil {
			return nil, fmt.Errorf("%w: -fingerprint: %w", ErrUsage, err)
		}
		want = append(want, fp)
	}
	if len(c.fromProxy) > 0 && s.HTTPSProxy == nil && s.HTTPProxy == nil {
		return nil, fmt.Errorf("%w: -ca-from-proxy needs -proxy", ErrUsage)
	}
	fetched := probe.FetchCAs(context.Background(), probe.CARequest{URLs: c.urls, ProxyTargets: c.fromProxy, Fingerprints: want,
		Settings: s, Options: probe.CAOptions{Timeout: c.Timeout, Roots: roots}})
	var out []CA
	var errs []error
	for _, f := range fetched {
		flag := map[bool]string{false: "-ca-url", true: "-ca-from-proxy"}[f.FromProxy]
		switch {
		case f.Err != nil && f.Offer != nil && !errors.Is(f.Err, probe.ErrNotIntercepted):
			errs = append(errs, fmt.Errorf("%s: %w\n%s", flag, f.Err, describeOffer(f.Offer)))
		case f.Err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", flag, f.Err))
		default:
			note("CA from %s: %s, matches -fingerprint", f.Name, f.Cert)
			ca := CA{Name: f.Name, Data: f.Cert.PEM(), Alias: f.Cert.Alias(), Source: f.Source}
			if f.FromProxy {
				ca.Alias = "" // the proxy's CA: -ca-alias names it
				for _, w := range f.Offer.Warnings {
					note("CA from %s: %s", f.Name, w)
				}
			}
			out = append(out, ca)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// describeOffer lists the chain a proxy presented and what to know about it,
// for the user who compares the fingerprint.
func describeOffer(o *probe.Offer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  the proxy presented for %s:\n", o.Target)
	for i, c := range o.Chain {
		fmt.Fprintf(&b, "    %d: %s (issuer %s)\n", i, c.Subject, c.Issuer)
	}
	fmt.Fprintf(&b, "  offered CA: %s\n", o.CA)
	for _, w := range o.Warnings {
		fmt.Fprintf(&b, "  note: %s\n", w)
	}
	b.WriteString("  compare the fingerprint with one from your security team, then rerun with -fingerprint")
	return b.String()
}

// appendTo is a flag.Func that appends each non-blank value to l.
func appendTo(l *[]string) func(string) error {
	return func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			return fmt.Errorf("empty value")
		}
		*l = append(*l, s)
		return nil
	}
}
