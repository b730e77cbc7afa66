package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// DefaultTimeout bounds one probe when the context has no deadline.
const DefaultTimeout = 5 * time.Second

// Status is the outcome of probing one consumer.
type Status string

// The outcomes of a probe.
const (
	// OK: the consumer's proxy tunnelled to the URL and the chain presented
	// verifies for the URL's host against the consumer's trust store.
	OK Status = "ok"
	// Bypassed: the consumer does not use a proxy for the URL, by an entry
	// of its no-proxy list ([Result.Bypass]) or because it has no proxy for
	// the URL's scheme. Nothing was connected.
	Bypassed Status = "bypassed"
	// Refused: the proxy answered CONNECT with an error status
	// ([Result.HTTPStatus]): 407 when it wants (other) credentials.
	Refused Status = "proxy refused"
	// UnknownAuthority: the chain presented is signed by a CA the consumer's
	// store lacks ([Result.Issuer], [Result.Fingerprint]): typically the
	// intercepting proxy's CA.
	UnknownAuthority Status = "unknown authority"
	// BadCertificate: the chain verifies to no trusted CA for another reason
	// (a name mismatch, an expired certificate) ([Result.Error]).
	BadCertificate Status = "bad certificate"
	// Unreachable: the proxy could not be reached, or the tunnel or TLS
	// handshake failed ([Result.Error]).
	Unreachable Status = "unreachable"
)

// Consumer is one client configuration of a node: the proxy settings a
// client reads, the client whose no-proxy rules it follows, and the trust
// store it verifies servers against.
type Consumer struct {
	// Name says which configuration this is: "docker.service",
	// "/etc/environment", "dcos-cosmos.service (Java properties)".
	Name string
	// Client is whose no-proxy rules decide whether a URL goes through the
	// proxy: proxyenv.Go for the Docker daemon, Curl for login shells'
	// tools, Python, Java.
	Client proxyenv.Client
	// Settings are the proxies (credentials included: they are sent, never
	// shown) and the no-proxy list the consumer reads.
	Settings proxyenv.Settings
	// Store names the trust store, as a path on the node.
	Store string
	// Roots are the certificates the store holds.
	Roots []*truststore.Certificate
	// StoreProblem, when set, says why the store could not be read; the
	// probe then reports [Unreachable] with it, without connecting.
	StoreProblem string
}

// Result is the outcome of probing one consumer for one URL. It holds no
// secret: proxies are shown with their credentials redacted.
type Result struct {
	URL      string `json:"url"`
	Consumer string `json:"consumer"`
	Client   string `json:"client"`
	Store    string `json:"store,omitempty"`
	Status   Status `json:"status"`
	// Proxy is the proxy used, credentials redacted: "http://svc:xxxxx@proxy:3128".
	Proxy string `json:"proxy,omitempty"`
	// Bypass is the no-proxy entry that sends the URL direct, for Bypassed;
	// empty when the consumer has no proxy for the URL's scheme.
	Bypass string `json:"bypass,omitempty"`
	// HTTPStatus is the proxy's answer to CONNECT, for Refused: 407.
	HTTPStatus int    `json:"http_status,omitempty"`
	Issuer     string `json:"issuer,omitempty"` // for UnknownAuthority: the CA the chain leads to
	// Fingerprint is the SHA-256 fingerprint of the top-most certificate
	// presented (the proxy's CA when it sends it), for UnknownAuthority: the
	// value to compare with -fingerprint when fetching it with
	// -ca-from-proxy.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Error is the failure, for Unreachable and BadCertificate.
	Error string `json:"error,omitempty"`
}

// OK reports whether the result is [OK].
func (r Result) OK() bool { return r.Status == OK }

// String formats r on one line: "ok  docker.service (go) via …".
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (%s", r.Status, r.Consumer, r.Client)
	if r.Store != "" && !strings.HasSuffix(r.Consumer, " "+r.Store) {
		fmt.Fprintf(&b, ", trusting %s", r.Store)
	}
	b.WriteString(")")
	if r.Proxy != "" {
		fmt.Fprintf(&b, " via %s", r.Proxy)
	}
	switch r.Status {
	case Bypassed:
		if r.Bypass != "" {
			fmt.Fprintf(&b, ": no-proxy entry %q", r.Bypass)
		} else {
			b.WriteString(": no proxy for this scheme")
		}
	case Refused:
		fmt.Fprintf(&b, ": %d %s", r.HTTPStatus, http.StatusText(r.HTTPStatus))
	case UnknownAuthority:
		fmt.Fprintf(&b, ": issuer %q, SHA-256 %s", r.Issuer, r.Fingerprint)
	case BadCertificate, Unreachable:
		fmt.Fprintf(&b, ": %s", r.Error)
	}
	return b.String()
}

// Probe decides with c's own no-proxy rule whether target goes through c's
// proxy; if it does, it connects to that proxy, asks it to CONNECT to
// target's host and port (sending c's proxy credentials as Basic
// Proxy-Authorization), performs a TLS handshake for target's host and
// verifies the chain presented against c's store. Only https:// targets are
// tunnelled; an http:// target is checked up to the proxy's answer to
// CONNECT. Without a deadline in ctx the probe is bounded by
// [DefaultTimeout].
func Probe(ctx context.Context, c Consumer, target *url.URL) Result {
	r := Result{URL: target.Redacted(), Consumer: c.Name, Client: c.Client.String(), Store: c.Store}
	p, entry := pick(c, target)
	if p == nil {
		r.Status, r.Bypass = Bypassed, entry
		return r
	}
	r.Proxy = p.String()
	if c.StoreProblem != "" {
		r.Status, r.Error = Unreachable, "trust store: "+c.StoreProblem
		return r
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	port := target.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[target.Scheme]
	}
	hostport := net.JoinHostPort(target.Hostname(), port)
	chain, status, err := tunnel(ctx, *p, hostport, target.Hostname(), nil, target.Scheme == "https")
	switch {
	case status != 0 && (status < 200 || status > 299):
		r.Status, r.HTTPStatus = Refused, status
		return r
	case err != nil:
		r.Status, r.Error = Unreachable, err.Error()
		return r
	}
	verify(&r, chain, c.Roots, target.Hostname())
	return r
}

// pick returns the proxy c uses for target, or nil and the no-proxy entry
// that sends it direct ("" when c has no proxy for the scheme).
func pick(c Consumer, target *url.URL) (*proxyenv.Proxy, string) {
	var p *proxyenv.Proxy
	switch target.Scheme {
	case "https":
		p = c.Settings.HTTPSProxy
	case "http":
		p = c.Settings.HTTPProxy
	}
	if p == nil {
		return nil, ""
	}
	l := c.Settings.NoProxy
	if !l.Bypass(c.Client, target) {
		return p, ""
	}
	return nil, bypassEntry(l, c.Client, target)
}

// bypassEntry names the entry of l that sends u direct for client: the
// first that does on its own; for Java, whose rules add localhost and the
// loopback addresses to any list, those defaults.
func bypassEntry(l proxyenv.NoProxy, client proxyenv.Client, u *url.URL) string {
	parse := proxyenv.ParseNoProxy
	if client == proxyenv.Java {
		parse = proxyenv.ParseJavaNonProxyHosts
		if parse("proxykit-probe.invalid").Bypass(client, u) {
			return "the JDK's own (localhost|127.*|[::1]|0.0.0.0|[::0])"
		}
	}
	for _, e := range l.Entries() {
		if parse(e.Text).Bypass(client, u) {
			return e.Text
		}
	}
	return l.String()
}

// verify sets r's status from the chain presented, verified for host
// against roots.
func verify(r *Result, chain []*x509.Certificate, roots []*truststore.Certificate, host string) {
	if len(chain) == 0 {
		if r.Status == "" {
			r.Status = OK // http:// target: the tunnel is all there is
		}
		return
	}
	pool := x509.NewCertPool()
	for _, c := range roots {
		pool.AddCert(c.X509())
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: pool, Intermediates: inter})
	var ua x509.UnknownAuthorityError
	switch {
	case err == nil:
		r.Status = OK
	case errors.As(err, &ua):
		ordered, _ := ordered(chain)
		top := ordered[len(ordered)-1]
		r.Status = UnknownAuthority
		r.Issuer = top.Issuer.String()
		r.Fingerprint = truststore.FingerprintOf(top.Raw).String()
	default:
		r.Status, r.Error = BadCertificate, err.Error()
	}
}
