package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// Errors of [FetchCA], [ProxyCA], [Offer.Trust] and [FetchCAs], for callers
// to branch on.
var (
	ErrNoFingerprint = errors.New("certificate not trusted: no fingerprint given")
	ErrMismatch      = errors.New("certificate not trusted: fingerprint does not match")
	ErrNoCertificate = errors.New("no certificate found")
	ErrTooLarge      = errors.New("response too large")
	ErrProxyScheme   = errors.New("unsupported proxy scheme")
	ErrProxyAuth     = errors.New("proxy authentication required")
	ErrConnect       = errors.New("proxy refused CONNECT")
	ErrNoChain       = errors.New("no certificate presented")
	ErrURL           = errors.New("invalid CA URL")
	ErrStatus        = errors.New("unexpected HTTP status")
	// ErrNotIntercepted: the chain a proxy presented verifies against the
	// trusted roots, so the proxy passes the target through and there is
	// no CA of its own to trust.
	ErrNotIntercepted = errors.New("the proxy does not intercept")
	// ErrNoProxy: a proxy target was given, but the settings have no proxy.
	ErrNoProxy = errors.New("no proxy to ask")
)

// DefaultFetchTimeout bounds a fetch whose [CAOptions] give no timeout.
const DefaultFetchTimeout = 20 * time.Second

// CAOptions say how [FetchCA] and [ProxyCA] connect. The zero value fetches
// directly, uses the system's roots and is bounded by [DefaultFetchTimeout].
type CAOptions struct {
	// Proxy returns the proxy [FetchCA] goes through for the CA's URL
	// (http, https, socks5 or socks5h, its credentials sent to the proxy
	// only), nil for a direct connection; its error ends the fetch. Give
	// [proxyenv.Settings.ProxyFunc] so that the no-proxy list is honoured.
	Proxy func(*url.URL) (*url.URL, error)
	// Timeout bounds the whole fetch, connection and handshake included;
	// zero means DefaultFetchTimeout. The context's deadline applies as
	// well.
	Timeout time.Duration
	// Roots verify an https proxy and tell whether a chain presented
	// through a proxy is publicly trusted ([Offer.Verified]); nil means the
	// system's roots.
	Roots *x509.CertPool
}

// bound returns ctx limited by the options' timeout.
func (o CAOptions) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if o.Timeout <= 0 {
		return context.WithTimeout(ctx, DefaultFetchTimeout)
	}
	return context.WithTimeout(ctx, o.Timeout)
}

// rootPool returns the configured roots, or the system's; nil when neither
// is available, which makes crypto/tls use the system's.
func (o CAOptions) rootPool() *x509.CertPool {
	if o.Roots != nil {
		return o.Roots
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil
	}
	return pool
}

// MismatchError reports certificates whose fingerprints match none of those
// the user gave, or that none was given. It carries the fingerprints seen
// so that they can be shown for comparison.
type MismatchError struct {
	Source string                   // where the certificates came from, credentials redacted
	Want   []truststore.Fingerprint // the fingerprints given; none when none was
	Got    []truststore.Fingerprint // the fingerprint of each certificate found
}

func (e *MismatchError) Error() string {
	if len(e.Want) == 0 {
		return fmt.Sprintf("%s: %v: it has SHA-256 fingerprint %s; compare it with one from a trusted source and give it", e.Source, ErrNoFingerprint, joinFingerprints(e.Got, ", "))
	}
	return fmt.Sprintf("%s: %v: got %s, want %s", e.Source, ErrMismatch, joinFingerprints(e.Got, ", "), joinFingerprints(e.Want, " or "))
}

// Unwrap returns [ErrNoFingerprint] or [ErrMismatch].
func (e *MismatchError) Unwrap() error {
	if len(e.Want) == 0 {
		return ErrNoFingerprint
	}
	return ErrMismatch
}

func joinFingerprints(fs []truststore.Fingerprint, sep string) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.String()
	}
	return strings.Join(s, sep)
}

// match returns the first of certs whose fingerprint is one of want (zero
// fingerprints ignored), or a *MismatchError.
func match(source string, certs []*truststore.Certificate, want []truststore.Fingerprint) (*truststore.Certificate, error) {
	e := &MismatchError{Source: source}
	for _, w := range want {
		if w != (truststore.Fingerprint{}) {
			e.Want = append(e.Want, w)
		}
	}
	for _, c := range certs {
		if slices.Contains(e.Want, c.Fingerprint()) {
			return c, nil
		}
		e.Got = append(e.Got, c.Fingerprint())
	}
	return nil, e
}

// CARequest names the certificate authorities [FetchCAs] gets, each trusted
// only when its SHA-256 fingerprint is one of Fingerprints.
type CARequest struct {
	// URLs serve a CA each, as [FetchCA] reads them: a cluster name or an
	// http(s) URL. Each is fetched through the proxy Settings pick for it
	// with Go's rules.
	URLs []string
	// ProxyTargets are hosts ("host" or "host:port") to ask the proxy to
	// CONNECT to, as [ProxyCA] does: the CA is the root of the chain the
	// proxy presents. The proxy is Settings' HTTPS proxy, else its HTTP
	// proxy.
	ProxyTargets []string
	// Fingerprints are the fingerprints a CA may have (from
	// [truststore.ParseFingerprint]): each fetched CA must match one.
	Fingerprints []truststore.Fingerprint
	// Settings are the proxies and the no-proxy list.
	Settings proxyenv.Settings
	// Options bound the fetches and set the roots; its Proxy is ignored
	// (Settings decide).
	Options CAOptions
}

// FetchedCA is what one source of a [CARequest] gave.
type FetchedCA struct {
	// Source is the URL or proxy target as given.
	Source string
	// Name says where the CA came from, credentials redacted: the URL, or
	// "proxy http://proxy:3128 for host:443".
	Name string
	// FromProxy is set for a proxy target.
	FromProxy bool
	// Cert is the CA, trusted: its fingerprint is one wanted. Nil when Err
	// is set.
	Cert *truststore.Certificate
	// Offer is what the proxy presented, for a proxy target it answered.
	Offer *Offer
	// Err says why the source gave no trusted CA: a *[MismatchError] when
	// the fingerprint does not match (it carries the one seen).
	Err error
}

// FetchCAs gets every CA r names, the URLs first, then the proxy targets,
// in order, with one result for each. The fetches share ctx, bounded by
// r.Options' timeout. A result's Err is [ErrNoProxy] for a proxy target
// when Settings have no proxy, and wraps [ErrNotIntercepted] when the proxy
// does not intercept the target.
func FetchCAs(ctx context.Context, r CARequest) []FetchedCA {
	ctx, cancel := r.Options.bound(ctx)
	defer cancel()
	opts := r.Options
	opts.Proxy = r.Settings.ProxyFunc(proxyenv.Go)
	var out []FetchedCA
	for _, raw := range r.URLs {
		f := FetchedCA{Source: raw, Name: redactURL(raw)}
		f.Cert, f.Err = FetchCA(ctx, raw, opts, r.Fingerprints...)
		out = append(out, f)
	}
	p := r.Settings.HTTPSProxy
	if p == nil {
		p = r.Settings.HTTPProxy
	}
	for _, target := range r.ProxyTargets {
		f := FetchedCA{Source: target, Name: target, FromProxy: true}
		if p == nil {
			f.Err = ErrNoProxy
		} else if f.Offer, f.Err = ProxyCA(ctx, *p, target, r.Options); f.Err == nil {
			f.Name = f.Offer.Source()
			f.Cert, f.Err = f.Offer.Trust(r.Fingerprints...)
		}
		out = append(out, f)
	}
	return out
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
