package cafetch

import (
	"context"
	"crypto/x509"
	"net/url"
	"time"

	"github.com/proxykit/proxykit/proxyenv"
)

// DefaultTimeout bounds a fetch whose options give no timeout.
const DefaultTimeout = 20 * time.Second

// An Option changes how [FromURL] or [FromProxy] connects.
type Option func(*config)

type config struct {
	proxy     *proxyenv.Proxy
	proxyFunc func(*url.URL) (*url.URL, error)
	timeout   time.Duration
	roots     *x509.CertPool
}

// WithProxy makes [FromURL] fetch through the proxy p (http, https or
// socks5), sending its credentials, if any, to the proxy only.
func WithProxy(p proxyenv.Proxy) Option { return func(c *config) { c.proxy = &p } }

// WithProxyFunc makes [FromURL] fetch through the proxy f picks for the CA's
// URL, directly when f returns nil: give it [proxyenv.Settings.ProxyFunc] so
// that the no-proxy list is honoured. f's error ends the fetch.
func WithProxyFunc(f func(*url.URL) (*url.URL, error)) Option {
	return func(c *config) { c.proxyFunc = f }
}

// WithTimeout bounds the whole fetch, connection and handshake included, by d
// (DefaultTimeout when not given). The context's deadline applies as well.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRoots sets the certificate authorities used to verify an https proxy
// and to tell whether a chain presented through a proxy is publicly trusted
// (see [Offer.Verified]). By default the system's roots are used.
func WithRoots(pool *x509.CertPool) Option { return func(c *config) { c.roots = pool } }

func newConfig(opts []Option) config {
	c := config{timeout: DefaultTimeout}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// bound returns ctx limited by the configured timeout.
func (c config) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.timeout)
}

// rootPool returns the configured roots, or the system's; nil when neither
// is available, which makes crypto/tls use the system's.
func (c config) rootPool() *x509.CertPool {
	if c.roots != nil {
		return c.roots
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil
	}
	return pool
}
