package proxyenv_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestFromEnvironmentReadsBothCases(t *testing.T) {
	for _, tc := range []struct {
		name             string
		env              []string
		http, https, ftp string
		noProxy          string
		conflicts        []string
	}{
		{name: "nothing set", env: []string{"PATH=/bin"}},
		{
			name: "lower case",
			env:  []string{"http_proxy=proxy:3128", "https_proxy=http://proxy:3129", "no_proxy=localhost,.corp"},
			http: "http://proxy:3128", https: "http://proxy:3129", noProxy: "localhost,.corp",
		},
		{
			name:  "upper case",
			env:   []string{"HTTPS_PROXY=http://proxy:3129", "NO_PROXY=.corp", "FTP_PROXY=http://ftp-proxy:21"},
			https: "http://proxy:3129", ftp: "http://ftp-proxy:21", noProxy: ".corp",
			conflicts: nil,
		},
		{
			name: "both cases equal",
			env:  []string{"http_proxy=http://proxy:3128", "HTTP_PROXY=http://proxy:3128"},
			http: "http://proxy:3128",
		},
		{
			name:  "both cases differ: lower case wins, reported",
			env:   []string{"HTTPS_PROXY=http://upper:1", "https_proxy=http://lower:2", "no_proxy=a", "NO_PROXY=b"},
			https: "http://lower:2", noProxy: "a",
			conflicts: []string{"https_proxy", "no_proxy"},
		},
		{
			name:      "only HTTP_PROXY: curl ignores it for http URLs",
			env:       []string{"HTTP_PROXY=http://proxy:3128"},
			http:      "http://proxy:3128",
			conflicts: []string{"http_proxy"},
		},
		{
			name: "blank values are unset",
			env:  []string{"http_proxy= ", "no_proxy="},
		},
		{
			name:    "first of duplicate keys wins, as getenv does",
			env:     []string{"no_proxy=first", "no_proxy=second"},
			noProxy: "first",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, conflicts, err := proxyenv.FromEnvironment(tc.env)
			require.NoError(t, err)
			assert.Equal(t, tc.http, proxyString(s.HTTPProxy))
			assert.Equal(t, tc.https, proxyString(s.HTTPSProxy))
			assert.Equal(t, tc.ftp, proxyString(s.FTPProxy))
			assert.Equal(t, tc.noProxy, s.NoProxy.String())
			var names []string
			for _, c := range conflicts {
				names = append(names, c.Name)
				assert.NotEmpty(t, c.String())
			}
			assert.Equal(t, tc.conflicts, names)
		})
	}
}

func TestFromEnvironmentConflictsHideCredentials(t *testing.T) {
	_, conflicts, err := proxyenv.FromEnvironment([]string{
		"http_proxy=http://svc:lowerSecret@proxy:3128",
		"HTTP_PROXY=http://svc:upperSecret@proxy:3128",
	})
	require.NoError(t, err)
	require.Len(t, conflicts, 1)
	out := fmt.Sprintf("%v %+v", conflicts[0], conflicts[0])
	assert.NotContains(t, out, "lowerSecret")
	assert.NotContains(t, out, "upperSecret")
}

func TestFromEnvironmentReportsTheVariable(t *testing.T) {
	_, _, err := proxyenv.FromEnvironment([]string{"https_proxy=http://svc:Secret99@proxy:99999"})
	require.ErrorIs(t, err, proxyenv.ErrProxyPort)
	assert.Contains(t, err.Error(), "https_proxy")
	assert.NotContains(t, err.Error(), "Secret99")
}

func proxyString(p *proxyenv.Proxy) string {
	if p == nil {
		return ""
	}
	return p.String()
}
