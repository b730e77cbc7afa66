package jvmflags_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
)

func settings(t *testing.T, env ...string) proxyenv.Settings {
	t.Helper()
	s, _, err := proxyenv.FromEnvironment(env)
	require.NoError(t, err)
	return s
}

func TestProxyProperties(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		want  map[string]string // properties other than the nonProxyHosts lists
		lists []string          // keys that carry NoProxy.Java()
		creds bool              // a credentials warning
	}{
		{
			name:  "http and https proxies, explicit ports",
			env:   []string{"http_proxy=http://proxy.corp:3128", "https_proxy=http://proxy.corp:3128", "no_proxy=.corp,10.0.0.0/8"},
			want:  map[string]string{"http.proxyHost": "proxy.corp", "http.proxyPort": "3128", "https.proxyHost": "proxy.corp", "https.proxyPort": "3128"},
			lists: []string{"http.nonProxyHosts"},
		},
		{
			name:  "https proxy without a port gets 80 written, not Java's 443",
			env:   []string{"https_proxy=proxy.corp"},
			want:  map[string]string{"https.proxyHost": "proxy.corp", "https.proxyPort": "80"},
			lists: []string{"http.nonProxyHosts"},
		},
		{
			name:  "credentials are dropped with a warning",
			env:   []string{"http_proxy=http://user:pa55@proxy.corp:8080"},
			want:  map[string]string{"http.proxyHost": "proxy.corp", "http.proxyPort": "8080"},
			lists: []string{"http.nonProxyHosts"},
			creds: true,
		},
		{
			name:  "ftp proxy has its own list",
			env:   []string{"ftp_proxy=http://ftp-proxy:2121"},
			want:  map[string]string{"ftp.proxyHost": "ftp-proxy", "ftp.proxyPort": "2121"},
			lists: []string{"ftp.nonProxyHosts"},
		},
		{
			name:  "IPv6 proxy host",
			env:   []string{"http_proxy=http://[fd00::1]:3128"},
			want:  map[string]string{"http.proxyHost": "fd00::1", "http.proxyPort": "3128"},
			lists: []string{"http.nonProxyHosts"},
		},
		{
			name: "no proxy: nothing",
			env:  []string{"no_proxy=localhost"},
			want: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings(t, tt.env...)
			ps, err := jvmflags.ProxyProperties(s)
			require.NoError(t, err)
			got := make(map[string]string)
			for _, p := range ps.List {
				assert.False(t, p.Keep || p.Secret, p.Key)
				got[p.Key] = p.Value
			}
			list, losses := s.NoProxy.Java()
			for _, k := range tt.lists {
				assert.Equal(t, list, got[k], k)
				delete(got, k)
			}
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, "https.nonProxyHosts", "there is no such property")
			if len(tt.lists) > 0 {
				assert.Equal(t, losses, ps.Losses)
			}
			if tt.creds {
				require.Len(t, ps.Warnings, 1)
				msg := ps.Warnings[0].String()
				assert.Contains(t, msg, "Authenticator")
				assert.Contains(t, msg, jvmflags.TunnelingDisabledSchemes)
				assert.NotContains(t, msg, "pa55")
			} else {
				assert.Empty(t, ps.Warnings)
			}
			for _, p := range ps.List {
				assert.NotContains(t, p.Flag(), "pa55")
				assert.NotContains(t, []string{"http.proxyUser", "http.proxyPassword"}, p.Key)
			}
		})
	}
}

func TestProxyPropertiesRefusesSchemesJavaCannotUse(t *testing.T) {
	for _, env := range []string{"https_proxy=https://u:secret@proxy.corp:443", "http_proxy=socks5://proxy.corp:1080"} {
		t.Run(env, func(t *testing.T) {
			_, err := jvmflags.ProxyProperties(settings(t, env))
			require.ErrorIs(t, err, jvmflags.ErrProxyScheme)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestTunnelingSchemes(t *testing.T) {
	p := jvmflags.AllowTunnelingSchemes()
	assert.Equal(t, "-Djdk.http.auth.tunneling.disabledSchemes=", p.Flag())
	assert.True(t, p.Keep)
	d := jvmflags.DisableTunnelingSchemes("NTLM", "Negotiate")
	assert.Equal(t, "-Djdk.http.auth.tunneling.disabledSchemes=NTLM,Negotiate", d.Flag())
	assert.True(t, d.Keep)
}

func TestTrustStoreProperties(t *testing.T) {
	ps, err := jvmflags.TrustStoreProperties(jvmflags.Store{Path: "/etc/pki/java/proxy.p12", Type: "PKCS12", Password: proxyenv.NewSecret("changeit")})
	require.NoError(t, err)
	var flags []string
	for _, p := range ps.List {
		flags = append(flags, p.String())
	}
	assert.Equal(t, []string{
		"-Djavax.net.ssl.trustStore=/etc/pki/java/proxy.p12",
		"-Djavax.net.ssl.trustStoreType=PKCS12",
		"-Djavax.net.ssl.trustStorePassword=xxxxx",
	}, flags)
	assert.Equal(t, "-Djavax.net.ssl.trustStorePassword=changeit", ps.List[2].Flag())
	require.Len(t, ps.Warnings, 2)
	assert.Contains(t, ps.Warnings[0].String(), "replaces the JDK's default CAs")
	assert.Contains(t, ps.Warnings[1].String(), "process list")
	for _, w := range ps.Warnings {
		assert.NotContains(t, w.String(), "changeit")
	}

	ps, err = jvmflags.TrustStoreProperties(jvmflags.Store{Path: "/opt/app/trust.jks"})
	require.NoError(t, err)
	require.Len(t, ps.List, 1)
	require.Len(t, ps.Warnings, 1)

	_, err = jvmflags.TrustStoreProperties(jvmflags.Store{})
	require.ErrorIs(t, err, jvmflags.ErrValue)
	_, err = jvmflags.TrustStoreProperties(jvmflags.Store{Path: "/a\x00"})
	require.ErrorIs(t, err, jvmflags.ErrValue)
}

func TestProxyKeysCoverProxyProperties(t *testing.T) {
	s := settings(t, "http_proxy=p:1", "https_proxy=p:2", "ftp_proxy=p:3", "no_proxy=x")
	ps, err := jvmflags.ProxyProperties(s)
	require.NoError(t, err)
	for _, p := range ps.List {
		assert.Contains(t, jvmflags.ProxyKeys, p.Key)
		assert.False(t, strings.HasPrefix(p.Key, "https.nonProxy"))
	}
}
