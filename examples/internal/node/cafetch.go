package node

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/examples/internal/cafetch"
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

// Fetch gets every CA the flags name, checks it against the fingerprints,
// and returns it as a [CA] for the same stores as -ca. Each CA's
// fingerprint is noted, trusted or not. A CA from -ca-url is a cluster's,
// not the proxy's: it is named by its own subject ([truststore.Certificate.Alias]),
// so that it and the proxy's CA (named by -ca-alias) can be removed apart.
func (c *CASources) Fetch(s proxyenv.Settings, roots *x509.CertPool, note func(string, ...any)) ([]CA, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
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
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	opts := []cafetch.Option{cafetch.WithTimeout(timeout)}
	if roots != nil {
		opts = append(opts, cafetch.WithRoots(roots))
	}
	var out []CA
	var errs []error
	for _, raw := range c.urls {
		cert, err := fetchURL(ctx, raw, s, want, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("-ca-url: %w", err))
			continue
		}
		note("CA from %s: %s, matches -fingerprint", redactURL(raw), cert)
		out = append(out, CA{Name: redactURL(raw), Data: cert.PEM(), Alias: cert.Alias(), Source: raw})
	}
	for _, host := range c.fromProxy {
		p := s.HTTPSProxy
		if p == nil {
			p = s.HTTPProxy
		}
		if p == nil {
			return nil, fmt.Errorf("%w: -ca-from-proxy needs -proxy", ErrUsage)
		}
		o, err := cafetch.FromProxy(ctx, *p, host, opts...)
		if err != nil {
			errs = append(errs, fmt.Errorf("-ca-from-proxy: %w", err))
			continue
		}
		source := fmt.Sprintf("proxy %s for %s", p, o.Target)
		if o.Verified {
			errs = append(errs, fmt.Errorf("-ca-from-proxy: %s: the chain verifies against the root's trusted CAs: the proxy does not intercept %s, and there is nothing to trust", source, o.Target))
			continue
		}
		fp := o.CA.Fingerprint()
		if !slices.Contains(want, fp) {
			var wantOne truststore.Fingerprint
			if len(want) > 0 {
				wantOne = want[0]
			}
			me := &cafetch.MismatchError{Source: source, Want: wantOne, Got: []truststore.Fingerprint{fp}}
			errs = append(errs, fmt.Errorf("-ca-from-proxy: %w\n%s", me, describeOffer(o)))
			continue
		}
		note("CA from %s: %s, matches -fingerprint", source, o.CA)
		for _, w := range o.Warnings {
			note("CA from %s: %s", source, w)
		}
		out = append(out, CA{Name: source, Data: o.CA.PEM(), Source: host})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// fetchURL fetches a CA from raw, through the proxy unless no_proxy says the
// host is reached directly, accepting any of the wanted fingerprints.
func fetchURL(ctx context.Context, raw string, s proxyenv.Settings, want []truststore.Fingerprint, opts []cafetch.Option) (*truststore.Certificate, error) {
	opts = append(opts, cafetch.WithProxyFunc(s.ProxyFunc(proxyenv.Go)))
	if len(want) == 0 {
		want = []truststore.Fingerprint{{}}
	}
	var err error
	for _, w := range want {
		var cert *truststore.Certificate
		cert, err = cafetch.FromURL(ctx, raw, w, opts...)
		if err == nil {
			return cert, nil
		}
		if !errors.Is(err, cafetch.ErrMismatch) {
			return nil, err
		}
	}
	return nil, err
}

// redactURL returns raw with any password replaced, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil && strings.Contains(raw, "@") {
			return "(unparsable URL)"
		}
		return raw
	}
	return u.Redacted()
}

// describeOffer lists the chain a proxy presented and what to know about it,
// for the user who compares the fingerprint.
func describeOffer(o *cafetch.Offer) string {
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
