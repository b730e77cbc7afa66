package proxyenv_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http/httpproxy"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestFromValues(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v       proxyenv.Values
		wantErr error
		field   string
		check   func(t *testing.T, s proxyenv.Settings)
	}{
		{
			name: "one proxy for http and https",
			v:    proxyenv.Values{Proxy: "http://proxy.corp:3128", NoProxy: "a.corp,10.0.0.0/8"},
			check: func(t *testing.T, s proxyenv.Settings) {
				assert.Equal(t, "http://proxy.corp:3128", s.HTTPProxy.String())
				assert.Equal(t, "http://proxy.corp:3128", s.HTTPSProxy.String())
				assert.NotSame(t, s.HTTPProxy, s.HTTPSProxy)
				assert.Equal(t, "a.corp,10.0.0.0/8", s.NoProxy.String())
				assert.False(t, s.HasCredentials())
			},
		},
		{
			name: "https proxy of its own",
			v:    proxyenv.Values{Proxy: "http://p1:3128", HTTPSProxy: "http://p2:8443"},
			check: func(t *testing.T, s proxyenv.Settings) {
				assert.Equal(t, "p1", s.HTTPProxy.Host)
				assert.Equal(t, "p2", s.HTTPSProxy.Host)
			},
		},
		{
			name: "https proxy alone",
			v:    proxyenv.Values{HTTPSProxy: "http://p2:8443"},
			check: func(t *testing.T, s proxyenv.Settings) {
				assert.Nil(t, s.HTTPProxy)
				assert.Equal(t, "p2", s.HTTPSProxy.Host)
			},
		},
		{
			name: "password joined to every URL",
			v:    proxyenv.Values{Proxy: "http://svc@p:3128", HTTPSProxy: "http://svc@q:3128", Password: proxyenv.NewSecret("p@ss")},
			check: func(t *testing.T, s proxyenv.Settings) {
				assert.Equal(t, "p@ss", s.HTTPProxy.Password.Reveal())
				assert.Equal(t, "p@ss", s.HTTPSProxy.Password.Reveal())
				assert.True(t, s.HasCredentials())
			},
		},
		{
			name: "password replaces one written in the URL",
			v:    proxyenv.Values{Proxy: "http://svc:old@p:3128", Password: proxyenv.NewSecret("new")},
			check: func(t *testing.T, s proxyenv.Settings) {
				assert.Equal(t, "new", s.HTTPProxy.Password.Reveal())
			},
		},
		{
			name:  "nothing given",
			check: func(t *testing.T, s proxyenv.Settings) { assert.Nil(t, s.HTTPProxy); assert.Nil(t, s.HTTPSProxy) },
		},
		{name: "password without user", v: proxyenv.Values{Proxy: "http://p:3128", Password: proxyenv.NewSecret("x")}, wantErr: proxyenv.ErrNoUser, field: "Proxy"},
		{name: "https password without user", v: proxyenv.Values{Proxy: "http://u@p:3128", HTTPSProxy: "q:1", Password: proxyenv.NewSecret("x")}, wantErr: proxyenv.ErrNoUser, field: "HTTPSProxy"},
		{name: "bad proxy", v: proxyenv.Values{Proxy: "ftp://p:21"}, wantErr: proxyenv.ErrScheme, field: "Proxy"},
		{name: "a no-proxy CIDR no client matches", v: proxyenv.Values{Proxy: "p:1", NoProxy: "localhost,10.0.0.0/33"}, wantErr: proxyenv.ErrNoProxyEntry, field: "NoProxy"},
		{name: "an unclosed IPv6 bracket", v: proxyenv.Values{Proxy: "p:1", NoProxy: "[::1"}, wantErr: proxyenv.ErrNoProxyEntry, field: "NoProxy"},
		{name: "every host direct", v: proxyenv.Values{Proxy: "p:1", NoProxy: "*"}, wantErr: proxyenv.ErrBypassAll, field: "NoProxy"},
		{
			name: "every host direct, confirmed",
			v:    proxyenv.Values{Proxy: "p:1", NoProxy: "*", BypassAll: true},
			check: func(t *testing.T, s proxyenv.Settings) {
				u, _ := url.Parse("https://example.com/")
				assert.True(t, s.NoProxy.Bypass(proxyenv.Go, u))
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := proxyenv.FromValues(tc.v)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				var ve *proxyenv.ValueError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tc.field, ve.Field)
				return
			}
			require.NoError(t, err)
			tc.check(t, s)
		})
	}
}

// TestFromValuesNamesEveryNoProxyEntryRefused: each entry refused is an
// *EntryError that quotes it and says why, those no client can match
// first.
func TestFromValuesNamesEveryNoProxyEntryRefused(t *testing.T) {
	_, err := proxyenv.FromValues(proxyenv.Values{Proxy: "p:1", NoProxy: "*,a.corp,10.0.0.0/33,[::1"})
	var ve *proxyenv.ValueError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "NoProxy", ve.Field)
	joined, ok := ve.Err.(interface{ Unwrap() []error })
	require.True(t, ok)
	var got []string
	for _, e := range joined.Unwrap() {
		var ee *proxyenv.EntryError
		require.ErrorAs(t, e, &ee)
		got = append(got, ee.Entry.Text+": "+e.Error())
	}
	assert.Equal(t, []string{
		`10.0.0.0/33: no-proxy entry "10.0.0.0/33": ` + proxyenv.ParseNoProxy("10.0.0.0/33").Invalid()[0].Reason + "; no client can match it",
		`[::1: no-proxy entry "[::1": ` + proxyenv.ParseNoProxy("[::1").Invalid()[0].Reason + "; no client can match it",
		`*: no-proxy entry "*" sends every host direct, turning the proxy off for every client`,
	}, got)
}

func TestFromValuesErrorsNeverHoldThePassword(t *testing.T) {
	for _, v := range []proxyenv.Values{
		{Proxy: "http://svc:hunter2@bad host:3128"},
		{Proxy: "http://bad host:3128", Password: proxyenv.NewSecret("hunter2")},
		{Proxy: "http://p:3128", Password: proxyenv.NewSecret("hunter2")},
	} {
		_, err := proxyenv.FromValues(v)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "hunter2")
	}
}

// TestProxyForAgreesWithHTTPProxy compares ProxyFor with
// golang.org/x/net/http/httpproxy, which net/http's ProxyFromEnvironment
// follows, on the same settings.
func TestProxyForAgreesWithHTTPProxy(t *testing.T) {
	const httpP, httpsP, noProxy = "http://u:p%40ss@proxy.corp:3128", "http://tls-proxy.corp:8443", ".corp.example,10.0.0.0/8,registry:5000"
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: httpP, HTTPSProxy: httpsP, NoProxy: noProxy})
	require.NoError(t, err)
	want := (&httpproxy.Config{HTTPProxy: httpP, HTTPSProxy: httpsP, NoProxy: noProxy}).ProxyFunc()
	got := s.ProxyFunc(proxyenv.Go)
	for _, raw := range []string{
		"http://example.com/", "https://example.com/", "https://git.corp.example/x", "https://corp.example/",
		"http://10.1.2.3/", "http://11.1.2.3/", "https://registry:5000/v2/", "https://registry:5001/v2/",
		"http://localhost/", "http://127.0.0.1:8080/", "ftp://files.example/", "https://[::1]/",
	} {
		t.Run(raw, func(t *testing.T) {
			u, err := url.Parse(raw)
			require.NoError(t, err)
			w, werr := want(u)
			g, gerr := got(u)
			require.NoError(t, werr)
			require.NoError(t, gerr)
			assert.Equal(t, w, g)
			f, err := s.ProxyFor(u)
			require.NoError(t, err)
			assert.Equal(t, w, f)
		})
	}
}

func TestProxyFuncPicksBySchemeAndClient(t *testing.T) {
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://p:3128", NoProxy: "localhost"})
	require.NoError(t, err)
	ftp, err := proxyenv.ParseProxy("http://ftp-proxy:21")
	require.NoError(t, err)
	s.FTPProxy = &ftp
	u, _ := url.Parse("ftp://files.example/")
	p, _ := s.ProxyFunc(proxyenv.Curl)(u)
	assert.Equal(t, "http://ftp-proxy:21", p.String(), "curl reads ftp_proxy")
	p, _ = s.ProxyFunc(proxyenv.Go)(u)
	assert.Nil(t, p, "Go's net/http has no ftp proxy")
	u, _ = url.Parse("http://localhost:8080/")
	p, _ = s.ProxyFunc(proxyenv.Python)(u)
	assert.Nil(t, p, "listed in no_proxy")
	p, _ = s.ProxyFunc(proxyenv.Java)(nil)
	assert.Nil(t, p)
}

func TestProxyFuncIsCompiledOnce(t *testing.T) {
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://p:3128", NoProxy: ".corp"})
	require.NoError(t, err)
	f := s.ProxyFunc(proxyenv.Go)
	s.HTTPProxy.Host = "changed"
	s.HTTPSProxy = nil
	s.NoProxy = proxyenv.ParseNoProxy("")
	u, _ := url.Parse("https://example.com/")
	p, err := f(u)
	require.NoError(t, err)
	assert.Equal(t, "http://p:3128", p.String())
	p.Host = "mutated"
	p, _ = f(u)
	assert.Equal(t, "http://p:3128", p.String(), "each call returns its own URL")
	u, _ = url.Parse("https://x.corp/")
	p, _ = f(u)
	assert.Nil(t, p)
}
