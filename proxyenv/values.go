package proxyenv

import (
	"errors"
	"net/url"
)

// Values are proxy settings as a person gives them, on a command line, in a
// form or as Ansible arguments. [FromValues] turns them into [Settings].
type Values struct {
	// Proxy is the proxy for http:// URLs and, unless HTTPSProxy is set, for
	// https:// ones, in any form [ParseProxy] reads:
	// "http://svc-dcos@proxy.corp.example:3128", "proxy.corp:3128". Empty
	// means no proxy for http://.
	Proxy string
	// HTTPSProxy is the proxy for https:// URLs when it differs from Proxy;
	// empty means Proxy.
	HTTPSProxy string
	// NoProxy is the comma-separated list of hosts, domains and CIDRs
	// reached directly, as [ParseNoProxy] reads it: ".corp.example,10.0.0.0/8".
	NoProxy string
	// Password, when not zero, is joined to the user name of every proxy
	// URL, replacing a password written in it. It keeps the password off
	// command lines: "http://svc-dcos@proxy:3128" plus a Password from a file
	// or the environment. A URL without a user name is refused ([ErrNoUser]).
	Password Secret
	// BypassAll says that a NoProxy entry "*" is meant: every host reached
	// directly, the proxy off for every client. Without it [FromValues]
	// refuses one ([ErrBypassAll]).
	BypassAll bool
}

// FromValues builds settings from values: each proxy parsed by
// [ParseProxy], the password joined to its URL, the https:// proxy defaulting
// to the http:// one, and the no-proxy list compiled. Errors are a
// *[ValueError] and never hold the password. A no-proxy list is refused
// when an entry is one no client can match ([ErrNoProxyEntry]), which
// [ParseNoProxy] would keep, or "*" without v.BypassAll ([ErrBypassAll]):
// the ValueError's Err then joins an *[EntryError] for each, those no client
// can match first. FromValues reads nothing but v.
func FromValues(v Values) (Settings, error) {
	var s Settings
	for _, f := range []struct {
		field, value string
		dst          **Proxy
	}{{"Proxy", v.Proxy, &s.HTTPProxy}, {"HTTPSProxy", v.HTTPSProxy, &s.HTTPSProxy}} {
		if f.value == "" {
			continue
		}
		p, err := ParseProxy(f.value)
		if err != nil {
			return Settings{}, &ValueError{Field: f.field, Err: err}
		}
		if !v.Password.IsZero() {
			if p.Username == "" {
				return Settings{}, &ValueError{Field: f.field, Err: ErrNoUser}
			}
			p.Password = v.Password
		}
		*f.dst = &p
	}
	if s.HTTPSProxy == nil && s.HTTPProxy != nil {
		p := *s.HTTPProxy
		s.HTTPSProxy = &p
	}
	s.NoProxy = ParseNoProxy(v.NoProxy)
	var errs []error
	for _, e := range s.NoProxy.Invalid() {
		errs = append(errs, &EntryError{Entry: e, Err: ErrNoProxyEntry})
	}
	for _, e := range s.NoProxy.Entries() {
		if e.Kind == KindAll && !v.BypassAll {
			errs = append(errs, &EntryError{Entry: e, Err: ErrBypassAll})
		}
	}
	if len(errs) > 0 {
		return Settings{}, &ValueError{Field: "NoProxy", Err: errors.Join(errs...)}
	}
	return s, nil
}

// HasCredentials reports whether any proxy of s carries a user name or a
// password: a file holding its settings must then be readable by root alone,
// and a diff must mask it.
func (s Settings) HasCredentials() bool {
	for _, p := range []*Proxy{s.HTTPProxy, s.HTTPSProxy, s.FTPProxy} {
		if p != nil && p.HasCredentials() {
			return true
		}
	}
	return false
}

// ProxyFunc returns the function that picks the proxy client c uses for a
// request URL, compiled once from s, as httpproxy's Config.ProxyFunc does:
// the http:// proxy for http:// URLs, the https:// proxy for https:// URLs,
// the ftp:// proxy for ftp:// URLs (except for [Go], whose net/http has
// none), and nil, meaning a direct connection, when the scheme has no proxy
// or the no-proxy list sends the URL direct for c ([NoProxy.Bypass]).
//
// The function is safe for concurrent use; later changes to s or its
// proxies do not change it. It returns the proxy's URL with its
// credentials, for a transport to send: never print it (use [Proxy.String]).
// The error is always nil: s holds proxies already parsed.
func (s Settings) ProxyFunc(c Client) func(reqURL *url.URL) (*url.URL, error) {
	urlOf := func(p *Proxy) *url.URL {
		if p == nil {
			return nil
		}
		return p.URL()
	}
	httpURL, httpsURL, ftpURL := urlOf(s.HTTPProxy), urlOf(s.HTTPSProxy), urlOf(s.FTPProxy)
	noProxy := s.NoProxy
	return func(u *url.URL) (*url.URL, error) {
		if u == nil {
			return nil, nil
		}
		var p *url.URL
		switch u.Scheme {
		case "http":
			p = httpURL
		case "https":
			p = httpsURL
		case "ftp":
			if c != Go {
				p = ftpURL
			}
		}
		if p == nil || noProxy.Bypass(c, u) {
			return nil, nil
		}
		out := *p
		return &out, nil
	}
}

// ProxyFor returns the proxy Go's net/http uses for a request to u under
// s, nil for a direct connection: s.ProxyFunc(Go)(u). Compile once with
// [Settings.ProxyFunc] to pick proxies for many URLs.
func (s Settings) ProxyFor(u *url.URL) (*url.URL, error) { return s.ProxyFunc(Go)(u) }
