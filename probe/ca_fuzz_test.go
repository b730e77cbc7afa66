package probe_test

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/probe"
)

// FuzzCASource reads arbitrary text as FetchCA's URL and as ProxyCA's
// target: neither parser panics, what they accept is well formed, and an
// error wraps ErrURL, stays bounded and never shows a password in the URL.
func FuzzCASource(f *testing.F) {
	for _, s := range []string{"https://dcos.corp.example", "dcos.corp.example", "http://u:s3cret-pw@10.0.0.1:8443/ca.crt",
		"ftp://u:s3cret-pw@h/", "registry-1.docker.io:443", "[::1]:8443", "h:0", "https://h/", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := probe.ParseCAURL(s)
		if err != nil {
			require.ErrorIs(t, err, probe.ErrURL)
			require.Less(t, len(err.Error()), 512)
			if pu, perr := url.Parse(strings.TrimSpace(s)); perr == nil && pu.User != nil {
				if pw, ok := pu.User.Password(); ok && len(pw) >= 6 {
					require.NotContains(t, err.Error(), pw)
				}
			}
		} else {
			require.Contains(t, []string{"http", "https"}, u.Scheme)
			require.NotEmpty(t, u.Host)
			require.NotEmpty(t, u.Path)
		}

		hostport, host, err := probe.SplitTarget(s)
		if err != nil {
			require.ErrorIs(t, err, probe.ErrURL)
			require.Less(t, len(err.Error()), 512)
			return
		}
		h, port, err := net.SplitHostPort(hostport)
		require.NoError(t, err)
		require.Equal(t, host, h)
		n, err := strconv.Atoi(port)
		require.NoError(t, err)
		require.True(t, n >= 1 && n <= 65535, "port %d", n)
	})
}
