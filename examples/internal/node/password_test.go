package node_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestNothingErasesThePasswordOnTheNode: a proxy user without a password
// from any source, or a plan that would remove the credentials the node's
// files hold, is refused (exit 1, nothing written) with the ways to give the
// password, unless -no-password says the proxy wants none.
func TestNothingErasesThePasswordOnTheNode(t *testing.T) {
	const yum = "[main]\ngpgcheck=1\nproxy=http://proxy.corp:3128\nproxy_username=svc\nproxy_password=0ldPassw0rd\n"
	prog := func(password string) *node.Program {
		return &node.Program{
			Name: "pwtest",
			Build: func(n *node.Node) error {
				edit, _, err := n.Config.Settings.YumConf()
				if err != nil {
					return err
				}
				n.Edit(plan.Step{Path: "etc/yum.conf", Edit: edit, Secret: true, Why: "yum's proxy"})
				return nil
			},
			Env: node.Env{Getenv: func(k string) string {
				if k == node.EnvProxyPassword {
					return password
				}
				return ""
			}},
		}
	}
	for _, tc := range []struct {
		name     string
		password string
		args     []string
		code     int
		stderr   []string
		erased   bool
	}{
		{name: "user without password: refused", args: []string{"-proxy", "http://svc@proxy.corp:3128"}, code: node.ExitError,
			stderr: []string{`names the user "svc" but no password was given`, "$PROXYKIT_PROXY_PASSWORD", "-proxy-password-file", "-no-password"}},
		{name: "user without password, for https only: refused", args: []string{"-proxy", "http://proxy.corp:3128", "-https-proxy", "http://svc@proxy.corp:3128"}, code: node.ExitError,
			stderr: []string{"the -https-proxy URL names the user"}},
		{name: "no user, credentials on the node: refused", args: []string{"-proxy", "http://proxy.corp:3128"}, code: node.ExitError,
			stderr: []string{"the plan removes the credentials that /etc/yum.conf holds", "$PROXYKIT_PROXY_PASSWORD", "-proxy-password-file", "-no-password"}},
		{name: "user without password, -no-password: applied", args: []string{"-no-password", "-proxy", "http://svc@proxy.corp:3128"}, code: node.ExitOK, erased: true},
		{name: "no user, -no-password: applied", args: []string{"-no-password", "-proxy", "http://proxy.corp:3128"}, code: node.ExitOK, erased: true},
		{name: "a new password: applied", password: "n3wPassw0rd", args: []string{"-proxy", "http://svc@proxy.corp:3128"}, code: node.ExitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "etc", "yum.conf")
			require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
			require.NoError(t, os.WriteFile(file, []byte(yum), 0o600))
			for _, cmd := range []string{"plan", "apply"} {
				var stdout, stderr bytes.Buffer
				code := prog(tc.password).Run(append(append([]string{"-root", dir}, tc.args...), cmd), &stdout, &stderr)
				if tc.code == node.ExitError {
					require.Equal(t, node.ExitError, code, "%s: %s", cmd, stderr.String())
					for _, s := range tc.stderr {
						require.Contains(t, stderr.String(), s, cmd)
					}
					require.NotContains(t, stdout.String()+stderr.String(), "0ldPassw0rd")
					got, err := os.ReadFile(file)
					require.NoError(t, err)
					require.Equal(t, yum, string(got), "nothing changed")
					continue
				}
				if cmd == "apply" {
					require.Equal(t, tc.code, code, stderr.String())
				}
			}
			if tc.code == node.ExitOK {
				got, err := os.ReadFile(file)
				require.NoError(t, err)
				require.Equal(t, !tc.erased, bytes.Contains(got, []byte("proxy_password=")), "%s", got)
			}
		})
	}
}
