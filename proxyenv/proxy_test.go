package proxyenv_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

// proxyForms are proxy values as people write them, with what ParseProxy
// makes of them and how they render (password redacted).
var proxyForms = []struct {
	name, in                  string
	scheme, host, port        string
	user, password, effective string
	str                       string
}{
	{"bare host and port", "proxy.corp:3128", "http", "proxy.corp", "3128", "", "", "3128", "http://proxy.corp:3128"},
	{"http URL", "http://proxy.corp:3128", "http", "proxy.corp", "3128", "", "", "3128", "http://proxy.corp:3128"},
	{"trailing slash", "http://proxy.corp:3128/", "http", "proxy.corp", "3128", "", "", "3128", "http://proxy.corp:3128"},
	{"surrounding space", "  http://proxy.corp:3128 \n", "http", "proxy.corp", "3128", "", "", "3128", "http://proxy.corp:3128"},
	{"upper-case scheme and host", "HTTP://Proxy.CORP:3128", "http", "proxy.corp", "3128", "", "", "3128", "http://proxy.corp:3128"},
	{"https without port", "https://proxy.corp", "https", "proxy.corp", "", "", "", "443", "https://proxy.corp:443"},
	{"http without port", "http://proxy.corp", "http", "proxy.corp", "", "", "", "80", "http://proxy.corp:80"},
	{"bare host without port", "proxy.corp", "http", "proxy.corp", "", "", "", "80", "http://proxy.corp:80"},
	{"socks5", "socks5://proxy.corp:1080", "socks5", "proxy.corp", "1080", "", "", "1080", "socks5://proxy.corp:1080"},
	{"socks5h without port", "socks5h://proxy.corp", "socks5h", "proxy.corp", "", "", "", "1080", "socks5h://proxy.corp:1080"},
	{"IPv4", "http://10.0.0.1:8080", "http", "10.0.0.1", "8080", "", "", "8080", "http://10.0.0.1:8080"},
	{"IPv6", "http://[fd00::1]:3128", "http", "fd00::1", "3128", "", "", "3128", "http://[fd00::1]:3128"},
	{"IPv6 bare", "[FD00:0::1]:3128", "http", "fd00::1", "3128", "", "", "3128", "http://[fd00::1]:3128"},
	{"IPv6 without port", "https://[fd00::1]", "https", "fd00::1", "", "", "", "443", "https://[fd00::1]:443"},
	{"leading zeros in port", "http://proxy.corp:03128", "http", "proxy.corp", "3128", "", "", "3128", "http://proxy.corp:3128"},
	{"user only", "http://svc@proxy.corp:3128", "http", "proxy.corp", "3128", "svc", "", "3128", "http://svc@proxy.corp:3128"},
	{"user and password", "http://svc:s3cret@proxy.corp:3128", "http", "proxy.corp", "3128", "svc", "s3cret", "3128", "http://svc:xxxxx@proxy.corp:3128"},
	{"empty password", "http://svc:@proxy.corp:3128", "http", "proxy.corp", "3128", "svc", "", "3128", "http://svc@proxy.corp:3128"},
	{"credentials without scheme", "svc:s3cret@proxy.corp:3128", "http", "proxy.corp", "3128", "svc", "s3cret", "3128", "http://svc:xxxxx@proxy.corp:3128"},
	{"raw specials in password", `http://svc:p@ss:w/rd#1$!;"' x%@proxy.corp:3128`, "http", "proxy.corp", "3128", "svc", `p@ss:w/rd#1$!;"' x%`, "3128", "http://svc:xxxxx@proxy.corp:3128"},
	{"encoded specials in password", "http://svc:p%40ss%3Aw%2Frd%231%24%21%3B%22%27%20x%25@proxy.corp:3128", "http", "proxy.corp", "3128", "svc", `p@ss:w/rd#1$!;"' x%`, "3128", "http://svc:xxxxx@proxy.corp:3128"},
	{"raw @ in user", "http://svc@corp:p@ss w/rd@proxy:80", "http", "proxy", "80", "svc@corp", "p@ss w/rd", "80", "http://svc%40corp:xxxxx@proxy:80"},
	{"encoded @ in user", "http://svc%40corp:p%25ss@proxy:80", "http", "proxy", "80", "svc@corp", "p%ss", "80", "http://svc%40corp:xxxxx@proxy:80"},
	{"raw percent that is no escape", "http://svc:100%pure@proxy:80", "http", "proxy", "80", "svc", "100%pure", "80", "http://svc:xxxxx@proxy:80"},
	{"password like a scheme", "svc:http://x@proxy:80", "http", "proxy", "80", "svc", "http://x", "80", "http://svc:xxxxx@proxy:80"},
	{"underscore host", "http://proxy_1.corp:3128", "http", "proxy_1.corp", "3128", "", "", "3128", "http://proxy_1.corp:3128"},
}

func TestParseProxyForms(t *testing.T) {
	for _, tc := range proxyForms {
		t.Run(tc.name, func(t *testing.T) {
			p, err := proxyenv.ParseProxy(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.scheme, p.Scheme)
			assert.Equal(t, tc.host, p.Host)
			assert.Equal(t, tc.port, p.Port)
			assert.Equal(t, tc.user, p.Username)
			assert.Equal(t, tc.password, p.Password.Reveal())
			assert.Equal(t, tc.effective, p.EffectivePort())
			assert.Equal(t, tc.str, p.String())
			assert.Equal(t, tc.str, fmt.Sprint(p))
			assert.Equal(t, tc.str, fmt.Sprintf("%v", p))
			if tc.password != "" {
				for _, out := range []string{p.String(), fmt.Sprintf("%v %+v %#v %s", p, p, p, p), p.HostPort(), p.WithoutCredentials().String()} {
					assert.NotContains(t, out, tc.password)
				}
				assert.True(t, p.HasCredentials())
				assert.False(t, p.WithoutCredentials().HasCredentials())
			}
			// Every rendering carries an explicit port and parses back.
			again, err := proxyenv.ParseProxy(p.URL().String())
			require.NoError(t, err)
			want := p
			want.Port = p.EffectivePort()
			assert.Equal(t, want, again)
		})
	}
}

func TestParseProxyErrorsNeverShowThePassword(t *testing.T) {
	const pw = "Sup3rS3cret"
	for _, tc := range []struct {
		name, in string
		err      error
	}{
		{"empty", "  ", proxyenv.ErrEmptyProxy},
		{"scheme", "ftp://svc:" + pw + "@proxy:21", proxyenv.ErrScheme},
		{"path", "http://svc:" + pw + "@proxy:3128/path", proxyenv.ErrProxyPath},
		{"query", "http://svc:" + pw + "@proxy:3128?x=1", proxyenv.ErrProxyPath},
		{"port", "http://svc:" + pw + "@proxy:31x28", proxyenv.ErrProxyPort},
		{"port range", "http://svc:" + pw + "@proxy:70000", proxyenv.ErrProxyPort},
		{"empty port", "http://svc:" + pw + "@proxy:", proxyenv.ErrProxyPort},
		{"host", "http://svc:" + pw + "@pro xy:3128", proxyenv.ErrProxyHost},
		{"IPv6 without brackets", "http://svc:" + pw + "@fd00::1:3128", proxyenv.ErrProxyHost},
		{"IPv6 zone", "http://svc:" + pw + "@[fe80::1%25eth0]:3128", proxyenv.ErrProxyHost},
		{"unclosed bracket", "http://svc:" + pw + "@[fd00::1:3128", proxyenv.ErrProxyHost},
		{"newline in credentials", "http://svc:" + pw + "\n@proxy:3128", proxyenv.ErrCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := proxyenv.ParseProxy(tc.in)
			require.Error(t, err)
			require.ErrorIs(t, err, tc.err)
			var perr *proxyenv.ProxyError
			require.ErrorAs(t, err, &perr)
			assert.NotContains(t, err.Error(), pw)
			assert.NotContains(t, fmt.Sprintf("%v %+v %#v", err, err, perr), pw)
			assert.True(t, strings.HasPrefix(err.Error(), "proxy "), err.Error())
		})
	}
}

func TestParseProxyBoundsWhatItQuotes(t *testing.T) {
	_, err := proxyenv.ParseProxy("http://" + strings.Repeat("h", 5000) + ":x")
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 300)
}

func TestSecretNeverPrints(t *testing.T) {
	s := proxyenv.NewSecret("hunter2")
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%d", s, s, s, s, s, s, s), s.String(), s.GoString()} {
		assert.NotContains(t, out, "hunter2")
	}
	assert.Equal(t, "hunter2", s.Reveal())
	assert.Equal(t, "", proxyenv.Secret{}.String())
}

func TestRevealURLEncodesCredentialsStrictlyAndReadsBack(t *testing.T) {
	for _, c := range []string{"@", ":", "%", "/", "#", "$", "!", ";", `"`, "'", `\`, " ", "~", "=", "&", "+", ",", "é", "%41"} {
		t.Run(fmt.Sprintf("%q", c), func(t *testing.T) {
			user, pass := "svc"+c+"user", "pa"+c+"ss"
			p := proxyenv.Proxy{Scheme: "http", Host: "proxy.corp", Port: "3128", Username: user, Password: proxyenv.NewSecret(pass)}
			u := p.RevealURL()
			rest := strings.TrimPrefix(u, "http://")
			userinfo := rest[:strings.LastIndexByte(rest, '@')]
			assert.Equal(t, -1, strings.IndexFunc(userinfo, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~%:", r))
			}), "userinfo %q keeps a character that needs quoting", userinfo)
			again, err := proxyenv.ParseProxy(u)
			require.NoError(t, err)
			assert.Equal(t, user, again.Username)
			assert.Equal(t, pass, again.Password.Reveal())
			assert.NotContains(t, p.String(), proxyenv.EscapeUserinfo(pass))
			assert.Equal(t, strings.Replace(u, ":"+proxyenv.EscapeUserinfo(pass)+"@", ":"+proxyenv.Redacted+"@", 1), p.String())
		})
	}
}
