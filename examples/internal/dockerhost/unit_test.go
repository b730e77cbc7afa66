package dockerhost

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

// TestDemo runs the no-argument demo: plan, apply and plan again on the
// sample host, with the password nowhere in the output.
func TestDemo(t *testing.T) {
	var out, errb strings.Builder
	code := run(nil, &out, &errb)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	assert.Contains(t, out.String(), "second plan: 0 files to change, 0 actions: nothing to do")
	for _, s := range []string{demoPassword, proxyenv.EscapeUserinfo(demoPassword), strings.ReplaceAll(proxyenv.EscapeUserinfo(demoPassword), "%", "%%")} {
		assert.NotContains(t, out.String()+errb.String(), s)
	}
}
