package node_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// cloudDoc is the part of a #cloud-config document the programs write.
type cloudDoc struct {
	WriteFiles []struct {
		Path        string `yaml:"path"`
		Content     string `yaml:"content"`
		Encoding    string `yaml:"encoding"`
		Permissions string `yaml:"permissions"`
	} `yaml:"write_files"`
	CACerts struct {
		Trusted []string `yaml:"trusted"`
	} `yaml:"ca_certs"`
	Runcmd [][]string `yaml:"runcmd"`
}

// testCA returns a self-signed CA certificate in PEM.
func testCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Test Proxy CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// cloudRoot writes a small Debian root: an /etc/environment, a PEM bundle
// inside a package, and a Java keystore stand-in.
func cloudRoot(t *testing.T, ca []byte) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"etc/os-release":   "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
		"etc/environment":  "LANG=C.UTF-8\n",
		"opt/app/ca.pem":   string(testCA(t)),
		"opt/app/notes.md": "keep  \n",
		"root/ca.pem":      string(ca),
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	return root
}

// cloudProgram edits the root's files in the ways the node programs do.
func cloudProgram() *node.Program {
	return &node.Program{
		Name: "testnode",
		Build: func(n *node.Node) error {
			edit, _, err := n.Config.Settings.EtcEnvironment()
			if err != nil {
				return err
			}
			n.Edit(plan.Step{Path: "etc/environment", Edit: edit, Why: "login sessions", Secret: true})
			n.Edit(plan.Step{Path: "etc/app/proxy.conf", Secret: true, Why: "the app's proxy", Edit: func([]byte) ([]byte, error) {
				return []byte("proxy=" + n.Config.Settings.HTTPProxy.RevealURL() + "\n"), nil
			}, Actions: []string{n.Restart("app.service")}})
			n.Edit(plan.Step{Path: "opt/app/notes.md", Why: "trailing blanks", Edit: func(b []byte) ([]byte, error) {
				if bytes.Contains(b, []byte("proxied")) {
					return b, nil
				}
				return append(b, "proxied\t\n"...), nil
			}})
			n.Edit(plan.Step{Path: "opt/app/store.bin", Why: "a binary store", Edit: func([]byte) ([]byte, error) {
				return []byte{0, 1, 2, 0xff}, nil
			}})
			return node.AddCA(n, node.CAOptions{Bundles: []string{"opt/app/ca.pem"}})
		},
		Env: node.Env{Getenv: func(k string) string {
			if k == node.EnvProxyPassword {
				return "s3cr3t 'pw'"
			}
			return ""
		}},
	}
}

// TestCloudConfigWritesWhatApplyWrites: each write_files entry of the
// document holds the bytes and the mode apply gives that file (a credential
// the mode the program creates it with); the system
// anchor goes through ca_certs; the binary store and the existing bundle are
// left to the program's own apply in runcmd.
func TestCloudConfigWritesWhatApplyWrites(t *testing.T) {
	ca := testCA(t)
	root := cloudRoot(t, ca)
	args := []string{"-root", root, "-proxy", "http://svc@proxy.corp:3128", "-no-proxy", ".corp", "-ca", filepath.Join(root, "root/ca.pem"), "-storepass", "keys3cret"}

	var out, errOut bytes.Buffer
	code := cloudProgram().Run(append(args, "-format", "cloud-config", "plan"), &out, &errOut)
	require.Equal(t, node.ExitPending, code, errOut.String())
	require.True(t, strings.HasPrefix(out.String(), "#cloud-config\n"))
	require.NotContains(t, errOut.String(), "s3cr3t")
	require.Contains(t, errOut.String(), "testnode: warning: cloud-config: the document holds the proxy credentials")
	require.NotContains(t, errOut.String(), "every local user can read it", "the document writes /etc/environment 0600")
	var doc cloudDoc
	require.NoError(t, yaml.Unmarshal(out.Bytes(), &doc))

	// apply on the same root, to compare
	out.Reset()
	require.Equal(t, node.ExitOK, cloudProgram().Run(append(args, "apply"), &out, &errOut), errOut.String())

	got := map[string]string{}
	for _, f := range doc.WriteFiles {
		content := []byte(f.Content)
		if f.Encoding == "b64" {
			var err error
			content, err = base64.StdEncoding.DecodeString(f.Content)
			require.NoError(t, err)
		}
		got[f.Path] = f.Permissions
		if strings.HasPrefix(f.Path, "/etc/proxykit/") {
			continue
		}
		want, err := os.ReadFile(filepath.Join(root, f.Path))
		require.NoError(t, err, f.Path)
		require.Equal(t, string(want), string(content), f.Path)
		fi, err := os.Stat(filepath.Join(root, f.Path))
		require.NoError(t, err)
		if f.Path != "/etc/environment" {
			require.Equal(t, "0"+octal(fi.Mode().Perm()), f.Permissions, f.Path)
		}
		if strings.Contains(string(content), "s3cr3t") {
			require.Equal(t, "b64", f.Encoding, "%s holds the password: base64, not shown at a glance", f.Path)
		}
	}
	require.Equal(t, map[string]string{
		"/etc/environment":             "0600", // a credential, 0644 on the node: created 0600
		"/etc/app/proxy.conf":          "0600",
		"/opt/app/notes.md":            "0644",
		"/etc/proxykit/proxy-ca.pem":   "0644",
		"/etc/proxykit/proxy-password": "0600",
		"/etc/proxykit/storepass":      "0600",
	}, got)
	require.Equal(t, []string{string(ca)}, doc.CACerts.Trusted)

	require.Len(t, doc.Runcmd, 2)
	require.Equal(t, []string{"systemctl", "try-restart", "app.service"}, doc.Runcmd[0])
	script := doc.Runcmd[1]
	require.Equal(t, []string{"sh", "-c"}, script[:2])
	require.Contains(t, script[2], "if command -v testnode >/dev/null 2>&1; then\n")
	require.Contains(t, script[2], `PROXYKIT_STOREPASS="$(cat /etc/proxykit/storepass)" testnode -proxy http://svc@proxy.corp:3128 -no-proxy=.corp -ca /etc/proxykit/proxy-ca.pem -proxy-password-file /etc/proxykit/proxy-password apply`)
	require.Contains(t, script[2], "left out: /opt/app/store.bin, /opt/app/ca.pem")
	require.NotContains(t, script[2], "s3cr3t")
	require.NotContains(t, script[2], "keys3cret")
}

func octal(m os.FileMode) string {
	const digits = "01234567"
	return string([]byte{digits[m>>6&7], digits[m>>3&7], digits[m&7]})
}

// TestFormatFlag: -format takes text, json or cloud-config; cloud-config
// only with plan, and not together with -json.
func TestFormatFlag(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "text", args: []string{"-format", "text", "plan"}},
		{name: "json", args: []string{"-format", "json", "plan"}},
		{name: "json twice", args: []string{"-json", "-format", "json", "plan"}},
		{name: "cloud-config", args: []string{"-format", "cloud-config", "plan"}},
		{name: "unknown", args: []string{"-format", "yaml", "plan"}, wantErr: `-format "yaml": want text, json or cloud-config`},
		{name: "with -json", args: []string{"-json", "-format", "cloud-config"}, wantErr: "-json and -format cloud-config ask for two formats"},
		{name: "with apply", args: []string{"-format", "cloud-config", "apply"}, wantErr: "use it with plan, not apply"},
		{name: "with verify", args: []string{"verify", "-format", "cloud-config"}, wantErr: "use it with plan, not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &node.Program{Name: "t", Build: func(*node.Node) error { return nil }}
			var out, errOut bytes.Buffer
			code := p.Run(append([]string{"-root", root, "-proxy", "http://proxy:3128"}, tc.args...), &out, &errOut)
			if tc.wantErr != "" {
				require.Equal(t, node.ExitError, code)
				require.Contains(t, errOut.String(), tc.wantErr)
				return
			}
			require.Equal(t, node.ExitOK, code, errOut.String())
		})
	}
}

// TestUsageUnharmedByTheFlagRecord: recording the flags for the
// cloud-config's runcmd leaves -h as the flag package prints it, defaults
// included.
func TestUsageUnharmedByTheFlagRecord(t *testing.T) {
	p := &node.Program{Name: "t", Build: func(*node.Node) error { return nil }}
	var out, errOut bytes.Buffer
	require.Equal(t, node.ExitOK, p.Run([]string{"-h"}, &out, &errOut))
	require.NotContains(t, out.String(), "panic")
	require.Contains(t, out.String(), `(default "/")`)
	require.Contains(t, out.String(), `(default "text")`)
	require.NotContains(t, out.String(), "(default false)")
}

// plan -format cloud-config: the files the plan writes, for cloud-init to
// write at a node's first boot, with the follow-up commands in runcmd.
func ExampleFormatCloudConfig() {
	dir, _ := os.MkdirTemp("", "node-example-")
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "environment"), []byte("LANG=C.UTF-8\n"), 0o644)

	p := &node.Program{
		Name: "envproxy",
		Build: func(n *node.Node) error {
			edit, _, err := n.Config.Settings.EtcEnvironment()
			if err != nil {
				return err
			}
			n.Edit(plan.Step{Path: "etc/environment", Edit: edit, Why: "proxy for login sessions",
				Actions: []string{n.Restart("app.service")}})
			return nil
		},
	}
	p.Run([]string{"-root", dir, "-proxy", "http://proxy.corp:3128", "-no-proxy", ".corp", "-format", "cloud-config", "plan"}, os.Stdout, os.Stderr)
	// Output:
	// #cloud-config
	// # envproxy plan -format cloud-config: the node's files at first boot
	// write_files:
	//   - path: /etc/environment
	//     content: |
	//       LANG=C.UTF-8
	//       http_proxy="http://proxy.corp:3128"
	//       HTTP_PROXY="http://proxy.corp:3128"
	//       https_proxy="http://proxy.corp:3128"
	//       HTTPS_PROXY="http://proxy.corp:3128"
	//       no_proxy=".corp"
	//       NO_PROXY=".corp"
	//     permissions: '0644'
	// runcmd:
	//   - [systemctl, try-restart, app.service]
}
