package node

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseProbe: -probe takes an http(s) URL with a host and no
// credentials; what it refuses is quoted without the password.
func TestParseProbe(t *testing.T) {
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
			u, err := parseProbe(tc.in)
			if tc.err != "" {
				require.ErrorIs(t, err, ErrUsage)
				require.ErrorContains(t, err, tc.err)
				require.NotContains(t, err.Error(), "s3cret")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, u.String())
		})
	}
}

// TestCheckProbe: -probe belongs to verify alone.
func TestCheckProbe(t *testing.T) {
	u, err := parseProbe("https://example.test/")
	require.NoError(t, err)
	cfg := &Config{}
	require.NoError(t, checkProbe(CmdPlan, cfg))
	cfg.Probes = append(cfg.Probes, u)
	require.NoError(t, checkProbe(CmdVerify, cfg))
	for _, cmd := range []string{CmdPlan, CmdApply, CmdUndo} {
		require.ErrorIs(t, checkProbe(cmd, cfg), ErrUsage, cmd)
	}
}
