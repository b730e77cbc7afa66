package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// Offer is the certificate authority a TLS-intercepting proxy signs with, as
// discovered by [ProxyCA]. It is offered, not trusted: show the fingerprint
// of [Offer.CA] and let the user compare it before anything trusts it, or
// trust it with [Offer.Trust] and a fingerprint the user got out of band.
type Offer struct {
	Proxy      string                  // the proxy asked, credentials redacted
	Target     string                  // the host:port the proxy was asked to CONNECT to
	CA         *truststore.Certificate // the chain's self-signed root, or its top-most certificate
	Chain      []*x509.Certificate     // the presented chain from the leaf up, ordered by issuer
	SelfSigned bool                    // CA is a self-signed root: the chain is complete
	Verified   bool                    // the chain verifies for Target against the roots ([CAOptions.Roots]): the proxy does not intercept Target
	Warnings   []string                // what a person must know before trusting CA
}

// ProxyCA discovers the CA of a TLS-intercepting proxy: it connects to
// proxy (http, or https verified against the roots), asks it to CONNECT to
// target ("host" or "host:port", port 443 by default), performs a TLS
// handshake without verification, and offers the root of the chain the proxy
// presents. Proxy credentials, if any, are sent as a Basic Proxy-Authorization
// header and never appear in an error.
//
// The offered certificate is the chain's self-signed root when the proxy
// sends it; otherwise the top-most certificate of the chain, with a warning
// saying that the root is missing. When the chain verifies for target against
// the roots, [Offer.Verified] is set: the proxy passes target through and
// nothing needs trusting.
//
// opts.Proxy is not used: proxy is the one asked.
func ProxyCA(ctx context.Context, proxy proxyenv.Proxy, target string, opts CAOptions) (*Offer, error) {
	hostport, host, err := splitTarget(target)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("discover CA through %s for %s", proxy, hostport)
	ctx, cancel := opts.bound(ctx)
	defer cancel()

	roots := opts.rootPool()
	chain, status, err := tunnel(ctx, proxy, hostport, host, roots, true)
	switch {
	case status == http.StatusProxyAuthRequired:
		return nil, fmt.Errorf("%s: %w: %d %s", where, ErrProxyAuth, status, http.StatusText(status))
	case status != 0 && (status < 200 || status > 299):
		return nil, fmt.Errorf("%s: %w: %d %s", where, ErrConnect, status, http.StatusText(status))
	case err != nil:
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	o, err := analyse(chain)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	o.Proxy, o.Target = proxy.String(), hostport
	if roots != nil {
		inter := x509.NewCertPool()
		for _, c := range chain[1:] {
			inter.AddCert(c)
		}
		if _, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter}); err == nil {
			o.Verified = true
			o.Warnings = append(o.Warnings, fmt.Sprintf("the chain for %s verifies against the trusted roots: the proxy does not intercept it, and %q need not be added", hostport, o.CA.Subject()))
		}
	}
	return o, nil
}

// Source says where the offer came from: "proxy http://proxy:3128 for
// host:443", credentials redacted.
func (o *Offer) Source() string { return fmt.Sprintf("proxy %s for %s", o.Proxy, o.Target) }

// Trust returns the offered CA if its SHA-256 fingerprint is one of want:
// what makes the CA trustworthy is that fingerprint, compared by a person
// with one from a trusted source. It returns a *[MismatchError] otherwise
// (none given, or none matches), and an error wrapping [ErrNotIntercepted]
// when the chain verified against the roots, so there is nothing to trust.
func (o *Offer) Trust(want ...truststore.Fingerprint) (*truststore.Certificate, error) {
	if o.Verified {
		return nil, fmt.Errorf("%s: the chain verifies against the trusted roots: %w %s, and there is nothing to trust", o.Source(), ErrNotIntercepted, o.Target)
	}
	return match(o.Source(), []*truststore.Certificate{o.CA}, want)
}

// splitTarget reads "host" or "host:port" and returns "host:port" and host.
func splitTarget(target string) (hostport, host string, err error) {
	target = strings.TrimSpace(target)
	bad := fmt.Errorf("%w: target %q, want host or host:port", ErrURL, quote.Bounded(target))
	h, port, err := net.SplitHostPort(target)
	if err != nil {
		h, port = strings.TrimSuffix(strings.TrimPrefix(target, "["), "]"), "443"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", bad
	}
	if h == "" || strings.ContainsAny(h, "/@ []") {
		return "", "", bad
	}
	return net.JoinHostPort(h, port), h, nil
}

// analyse orders a presented chain from its leaf up and picks the
// certificate to offer.
func analyse(presented []*x509.Certificate) (*Offer, error) {
	chain, used := ordered(presented)
	top := chain[len(chain)-1]
	ca, err := truststore.ParseCertificate(top.Raw)
	if err != nil {
		return nil, err
	}
	o := &Offer{CA: ca, Chain: chain, SelfSigned: selfSigned(top)}
	if !o.SelfSigned {
		o.Warnings = append(o.Warnings, fmt.Sprintf("the chain does not end in a self-signed root: %q is issued by %q, which was not presented; get that root from the proxy's operators, or trust %q (Go and Java accept it as an anchor; OpenSSL-based clients may not)",
			top.Subject.String(), top.Issuer.String(), top.Subject.String()))
	}
	if !top.IsCA {
		o.Warnings = append(o.Warnings, fmt.Sprintf("%q is not a CA certificate: trusting it trusts only this one server certificate", top.Subject.String()))
	}
	for i, c := range presented {
		if !used[i] {
			o.Warnings = append(o.Warnings, fmt.Sprintf("the proxy also presented %q, which is not part of the chain", c.Subject.String()))
		}
	}
	return o, nil
}
