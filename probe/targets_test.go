package probe_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
)

// TestParseTarget: a target is an http(s) URL with a host and no
// credentials; what is refused is quoted without the password.
func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "https://registry-1.docker.io/v2/", want: "https://registry-1.docker.io/v2/"},
		{in: " http://repo.example:8080 ", want: "http://repo.example:8080"},
		{in: "registry-1.docker.io", err: `want an https:// or http:// URL with a host`},
		{in: "ftp://files.example/", err: `"ftp://files.example/"`},
		{in: "https://", err: `want an https:// or http:// URL with a host`},
		{in: "https://user:s3cret@host.example/", err: `"https://user:xxxxx@host.example/": no credentials`},
		{in: "https://user:s3cret%zz@host.example/", err: `"…@host.example/"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			u, err := probe.ParseTarget(tc.in)
			if tc.err != "" {
				var te *probe.TargetError
				require.ErrorAs(t, err, &te)
				require.ErrorContains(t, err, tc.err)
				require.NotContains(t, err.Error(), "s3cret")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, u.String())
		})
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"https://registry-1.docker.io/v2/", "http://u:s3cret@h:1/", "https://u:s3cret%zz@h/", "s3cret@", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := probe.ParseTarget(s)
		if err != nil {
			require.Nil(t, u)
			var te *probe.TargetError
			require.ErrorAs(t, err, &te)
			require.LessOrEqual(t, len(te.Value), 200)
			return
		}
		require.Contains(t, []string{"http", "https"}, u.Scheme)
		require.NotEmpty(t, u.Hostname())
		require.Nil(t, u.User)
	})
}

// TestAllKeepsTheOrderAndTheBound: one result per target and consumer, in
// order, each within the timeout; here every consumer's list sends the
// targets direct, so nothing is connected.
func TestAllKeepsTheOrderAndTheBound(t *testing.T) {
	var consumers []probe.Consumer
	for _, name := range []string{"a", "b", "c"} {
		s, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.invalid:3128", NoProxy: ".test"})
		require.NoError(t, err)
		consumers = append(consumers, probe.Consumer{Name: name, Client: proxyenv.Curl, Settings: s})
	}
	var targets []*url.URL
	for _, s := range []string{"https://one.test/", "https://two.test/"} {
		u, err := probe.ParseTarget(s)
		require.NoError(t, err)
		targets = append(targets, u)
	}
	results := probe.All(context.Background(), consumers, targets, time.Second)
	require.Len(t, results, 6)
	for i, r := range results {
		require.Equal(t, targets[i/3].Redacted(), r.URL)
		require.Equal(t, consumers[i%3].Name, r.Consumer)
		require.Equal(t, probe.Bypassed, r.Status, "%s", r)
	}
}
