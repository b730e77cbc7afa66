package node_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestReportMasksWhatWasThere: the credentials files already hold show in
// no note, warning, diff or JSON field, while the program's own sentences
// keep their words even when the new password is one of them.
func TestReportMasksWhatWasThere(t *testing.T) {
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("alice:Reg1stryPw"))
	for name, content := range map[string]string{
		"etc/yum.conf":             "[main]\nproxy=http://proxy:3128\nproxy_username=svc\nproxy_password=Yum0ldPw\n",
		"root/.docker/config.json": `{"auths":{"r":{"auth":"` + auth + `"}}}` + "\n",
		"etc/x.service":            "[Service]\nExecStart=/usr/bin/java -Djavax.net.ssl.trustStorePassword=St0rePw -jar x.jar\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	p := &node.Program{
		Name: "masktest",
		Build: func(n *node.Node) error {
			for _, f := range []string{"etc/yum.conf", "root/.docker/config.json", "etc/x.service"} {
				n.Edit(plan.Step{Path: f, Edit: func(old []byte) ([]byte, error) {
					if bytes.HasSuffix(old, []byte("# proxykit\n")) {
						return old, nil
					}
					return append(old, "# proxykit\n"...), nil
				}, Secret: true, Why: "holds a secret"})
			}
			n.Note("x.service keeps its own -D%s=%s", "javax.net.ssl.trustStorePassword", "St0rePw")
			n.Warn("/etc/yum.conf", "holds a secret that %s set: proxy_password=%s", "someone", "Yum0ldPw")
			return nil
		},
		Env: node.Env{Getenv: func(k string) string {
			if k == node.EnvProxyPassword {
				return "secret"
			}
			return ""
		}},
	}
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			args := []string{"-root", dir, "-proxy", "http://svc@proxy.corp:3128", "plan"}
			if format == "json" {
				args = append([]string{"-json"}, args...)
			}
			var stdout, stderr bytes.Buffer
			require.Equal(t, node.ExitPending, p.Run(args, &stdout, &stderr), stderr.String())
			out := stdout.String() + stderr.String()
			for _, pw := range []string{"Yum0ldPw", auth, "Reg1stryPw", "St0rePw"} {
				require.NotContains(t, out, pw)
			}
			if format == "json" {
				var r node.Report
				require.NoError(t, json.Unmarshal(stdout.Bytes(), &r))
				out = r.Diff + r.Notes[0] + r.Warnings[0].Message
			}
			require.Contains(t, out, "# etc/yum.conf: holds a secret\n")
			require.Contains(t, out, "x.service keeps its own -Djavax.net.ssl.trustStorePassword="+plan.Redacted)
			require.Contains(t, out, "holds a secret that someone set: proxy_password="+plan.Redacted)
		})
	}
}
