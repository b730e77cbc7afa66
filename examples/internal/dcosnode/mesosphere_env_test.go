package dcosnode

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestEnvironmentExportIsCheckedLikeEnvironment checks
// /opt/mesosphere/environment.export, which /etc/profile.d/dcos.sh links to:
// proxy variables there are named in a warning that names the file, apply
// leaves the file alone, and -fix-mesosphere-environment removes them from
// both files, keeping every other line, then warns no more.
func TestEnvironmentExportIsCheckedLikeEnvironment(t *testing.T) {
	tests := []struct {
		name        string
		export      string
		wantWarning string // "" for none
		wantFixed   string
	}{
		{
			name: "export lines in both cases",
			export: "export PATH=\"/opt/mesosphere/bin:$PATH\"\n" +
				"export HTTPS_PROXY=http://proxy.example.com:3128\n" +
				"export JAVA_HOME=\"/opt/mesosphere/active/java/usr/java\"\n" +
				"export no_proxy='.mesos,localhost'\n",
			wantWarning: "dcos-node: warning: /opt/mesosphere/environment.export: sets HTTPS_PROXY, no_proxy: every login shell sources this file",
			wantFixed: "export PATH=\"/opt/mesosphere/bin:$PATH\"\n" +
				"export JAVA_HOME=\"/opt/mesosphere/active/java/usr/java\"\n",
		},
		{
			name:      "no proxy variables",
			export:    "export PATH=\"/opt/mesosphere/bin:$PATH\"\nexport MESOS_IP_DISCOVERY_COMMAND=/opt/mesosphere/bin/detect_ip\n",
			wantFixed: "export PATH=\"/opt/mesosphere/bin:$PATH\"\nexport MESOS_IP_DISCOVERY_COMMAND=/opt/mesosphere/bin/detect_ip\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := sampleRoot(t)
			exportFile := filepath.Join(root, "opt/mesosphere/environment.export")
			envFile := filepath.Join(root, "opt/mesosphere/environment")
			require.NoError(t, os.WriteFile(exportFile, []byte(tt.export), 0o644))
			envBefore, err := os.ReadFile(envFile)
			require.NoError(t, err)

			var out strings.Builder
			require.Equal(t, node.ExitOK, testProgram(plan.NoActions).Run(sampleArgs(root, "apply"), io.Discard, &out))
			got, err := os.ReadFile(exportFile)
			require.NoError(t, err)
			require.Equal(t, tt.export, string(got), "apply without -fix-mesosphere-environment leaves the file alone")
			if tt.wantWarning != "" {
				require.Contains(t, out.String(), tt.wantWarning)
				require.Contains(t, out.String(), "rerun with -fix-mesosphere-environment")
			} else {
				require.NotContains(t, out.String(), "warning: /opt/mesosphere/environment.export")
			}

			out.Reset()
			require.Equal(t, node.ExitOK, testProgram(plan.NoActions).Run(sampleArgs(root, "-fix-mesosphere-environment", "apply"), io.Discard, &out))
			got, err = os.ReadFile(exportFile)
			require.NoError(t, err)
			require.Equal(t, tt.wantFixed, string(got))
			env, err := os.ReadFile(envFile)
			require.NoError(t, err)
			require.Equal(t, strings.ReplaceAll(string(envBefore), "http_proxy=http://proxy.example.com:3128\nhttps_proxy=http://proxy.example.com:3128\n", ""), string(env),
				"both files are fixed")
			require.NotContains(t, out.String(), "warning: /opt/mesosphere/environment")

			out.Reset()
			require.Equal(t, node.ExitOK, testProgram(plan.NoActions).Run(sampleArgs(root, "-fix-mesosphere-environment", "plan"), &out, io.Discard),
				"a second run has nothing to do")
		})
	}
}
