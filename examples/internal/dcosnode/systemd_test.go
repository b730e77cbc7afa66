package dcosnode

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/systemdunit"
)

// TestDropInsReadAsSystemdRecorded reads the units and drop-ins dcos-node
// writes with systemdunit and compares the effective environment and
// command lines with what systemd-analyze 252 read from the same files,
// recorded in testdata/script/oracle_systemd.txtar (systemd.golden). It
// needs no systemd: where systemd-analyze is installed, that script checks
// the recording is still systemd's answer.
func TestDropInsReadAsSystemdRecorded(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/script/oracle_systemd.txtar")
	require.NoError(t, err)
	var recorded []string
	for _, f := range ar.Files {
		if f.Name == "systemd.golden" {
			recorded = strings.Split(strings.TrimSuffix(string(f.Data), "\n"), "\n")
		}
	}
	require.NotEmpty(t, recorded)

	root := sampleRoot(t)
	require.Equal(t, node.ExitOK, testProgram(plan.NoActions).Run(sampleArgs(root, "apply"), io.Discard, io.Discard))
	r, err := os.OpenRoot(root)
	require.NoError(t, err)
	defer r.Close()

	proxyVars := []string{"JAVA_TOOL_OPTIONS", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"}
	var got []string
	for _, name := range []string{"docker.service", "dcos-cosmos.service", "dcos-marathon.service", "dcos-metronome.service"} {
		u, err := systemdunit.Load(r.FS(), name)
		require.NoError(t, err, name)
		env, err := u.Environment()
		require.NoError(t, err)
		for _, kv := range env {
			k, _, _ := strings.Cut(kv, "=")
			if slices.Contains(proxyVars, k) {
				got = append(got, "Environment: "+kv)
			}
		}
		cmds, err := u.Commands("ExecStart")
		require.NoError(t, err)
		for _, c := range cmds {
			if strings.HasPrefix(c.Argv[0], "/opt/mesosphere/active/") {
				got = append(got, "Command Line: "+strings.Join(c.Argv, "\x00"))
			}
		}
	}
	require.Len(t, got, len(recorded))
	for i, line := range recorded {
		if cl, ok := strings.CutPrefix(line, "Command Line: "); ok {
			require.Equal(t, "Command Line: "+strings.Join(splitDump(cl), "\x00"), got[i], "line %d", i+1)
			continue
		}
		require.Equal(t, line, got[i], "line %d", i+1)
	}
}

// splitDump splits a command line as systemd-analyze dumps it: words
// separated by spaces, a word with special characters in double quotes with
// backslash escapes.
func splitDump(s string) []string {
	var words []string
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		if s[0] != '"' {
			w, rest, _ := strings.Cut(s, " ")
			words = append(words, w)
			s = rest
			continue
		}
		var b strings.Builder
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		words = append(words, b.String())
		s = s[min(i+1, len(s)):]
	}
	return words
}
