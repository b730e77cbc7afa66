package node

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseProbe: what [probe.ParseTarget] refuses is a usage error,
// quoted without the password.
func TestParseProbe(t *testing.T) {
	_, err := parseProbe("https://user:s3cret@host.example/")
	require.ErrorIs(t, err, ErrUsage)
	require.ErrorContains(t, err, `-probe "https://user:xxxxx@host.example/": no credentials`)
	require.NotContains(t, err.Error(), "s3cret")
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
