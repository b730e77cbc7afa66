package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/dcosnode"
	"github.com/proxykit/proxykit/examples/internal/dockerhost"
	"github.com/proxykit/proxykit/internal/cafetchtest"
	"github.com/proxykit/proxykit/truststore"
)

// runModule runs the module on args in check mode and returns its result.
func runModule(t *testing.T, args map[string]any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "args")
	require.NoError(t, os.WriteFile(file, b, 0o600))
	var out bytes.Buffer
	code := run([]string{file}, &out)
	var res map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &res), out.String())
	require.NotContains(t, out.String(), testPassword)
	return code, res
}

// TestModuleFetchesTheCAFromTheCluster: with ca_url and its fingerprint,
// both profiles plan the cluster's CA into the system store; a wrong
// fingerprint fails and names what was served.
func TestModuleFetchesTheCAFromTheCluster(t *testing.T) {
	ca := cafetchtest.NewCA("proxykit ansible test cluster CA")
	cluster := cafetchtest.NewCluster(t, ca, nil)
	other := cafetchtest.NewCA("another CA")
	certs, err := truststore.ParseCertificates(ca.PEM())
	require.NoError(t, err)
	alias := certs[0].Alias() // the cluster's CA is named by its subject, apart from the proxy's
	for _, tc := range []struct {
		profile, anchor string
		sample          func(dir string) error
		args            map[string]any
	}{
		{profile: "dcos", anchor: "etc/pki/ca-trust/source/anchors/" + alias + ".crt", sample: dcosnode.WriteSample},
		{profile: "docker-host", anchor: "usr/local/share/ca-certificates/" + alias + ".crt",
			sample: func(dir string) error { return dockerhost.WriteSample(dir, "host") },
			args:   map[string]any{"users": "alice,root", "registries": []string{"registry.corp.example:5000"}}},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			root := t.TempDir()
			require.NoError(t, tc.sample(root))
			args := map[string]any{
				"profile": tc.profile, "proxy": "http://svc@proxy.corp.example:3128", "no_proxy": "127.0.0.1",
				"password": testPassword, "root": root, "ca_url": cluster.URL, "fingerprint": ca.Fingerprint().String(),
				"_ansible_check_mode": true, "_ansible_diff": true,
			}
			for k, v := range tc.args {
				args[k] = v
			}
			code, res := runModule(t, args)
			require.Equal(t, 0, code, "%v", res["msg"])
			require.Equal(t, true, res["changed"])
			var anchor map[string]any
			for _, f := range res["files"].([]any) {
				if f := f.(map[string]any); f["path"] == tc.anchor {
					anchor = f
				}
			}
			require.NotNil(t, anchor, "no %s in %v", tc.anchor, res["files"])
			require.Equal(t, "create", anchor["status"])
			var after string
			for _, d := range res["diff"].([]any) {
				if d := d.(map[string]any); d["after_header"] == "/"+tc.anchor {
					after = d["after"].(string)
				}
			}
			require.Equal(t, string(ca.PEM()), after)

			args["fingerprint"] = other.Fingerprint().String()
			code, res = runModule(t, args)
			require.Equal(t, 1, code)
			require.Equal(t, true, res["failed"])
			require.Contains(t, res["msg"], ca.Fingerprint().String(), "the message shows what the cluster served")
		})
	}
}
