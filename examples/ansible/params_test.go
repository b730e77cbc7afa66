package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParamsRefuseWhatNamesNothing: each option that is missing, unknown or
// of the wrong kind fails with a message naming the option, never quoting a
// secret.
func TestParamsRefuseWhatNamesNothing(t *testing.T) {
	for _, tc := range []struct {
		name, args, wantErr string
	}{
		{name: "not an object", args: `[1]`, wantErr: "the module's arguments are not a JSON object"},
		{name: "no profile", args: `{"proxy":"http://p:3128"}`, wantErr: "profile is required: dcos or docker-host"},
		{name: "unknown profile", args: `{"profile":"k8s","proxy":"http://p:3128"}`, wantErr: `profile: want dcos or docker-host, not "k8s"`},
		{name: "unknown state", args: `{"profile":"dcos","state":"gone"}`, wantErr: `state: want present or absent, not "gone"`},
		{name: "no proxy", args: `{"profile":"dcos"}`, wantErr: "proxy is required with state: present"},
		{name: "unknown option, secret not quoted", args: `{"profile":"dcos","proxy":"http://p:3128","passwd":"hunter2"}`, wantErr: "unsupported parameters: passwd (supported: ca, ca_url, fingerprint, https_proxy, no_proxy, password, profile, proxy, registries, restart, root, state, storepass, users)"},
		{name: "users on a DC/OS node", args: `{"profile":"dcos","proxy":"http://p:3128","users":["alice"]}`, wantErr: "users and registries are docker-host's"},
		{name: "password not a string, not quoted", args: `{"profile":"dcos","proxy":"http://p:3128","password":["hunter2"]}`, wantErr: "password: want a string"},
		{name: "restart not a boolean", args: `{"profile":"dcos","proxy":"http://p:3128","restart":"later"}`, wantErr: "restart: want true or false"},
		{name: "ca_url without fingerprint", args: `{"profile":"dcos","proxy":"http://p:3128","ca_url":"https://dcos"}`, wantErr: "ca_url and fingerprint go together"},
		{name: "empty root", args: `{"profile":"dcos","proxy":"http://p:3128","root":""}`, wantErr: "root: empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseParams([]byte(tc.args))
			require.ErrorContains(t, err, tc.wantErr)
			require.NotContains(t, err.Error(), "hunter2")
		})
	}
}

// TestParamsAsAnsibleWritesThem: lists or comma-separated strings, Ansible's
// spellings of booleans, its own keys, defaults.
func TestParamsAsAnsibleWritesThem(t *testing.T) {
	p, err := parseParams([]byte(`{"profile":"dcos","proxy":"http://svc@p:3128","no_proxy":".corp, 10.0.0.0/8",
		"ca":"-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n","restart":"no","_ansible_check_mode":true,
		"_ansible_diff":"yes","_ansible_verbosity":3,"_ansible_no_log":false}`))
	require.NoError(t, err)
	require.Equal(t, []string{".corp", "10.0.0.0/8"}, p.NoProxy)
	require.Len(t, p.CA, 1, "one PEM string is one CA, never split")
	require.False(t, p.Restart)
	require.True(t, p.check)
	require.True(t, p.diff)
	require.Equal(t, "/", p.Root)
	require.Equal(t, "present", p.State)

	p, err = parseParams([]byte(`{"profile":"docker-host","state":"absent","no_proxy":["a","b"],"ca":["/x.pem","/y.pem"]}`))
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, p.NoProxy)
	require.Equal(t, []string{"/x.pem", "/y.pem"}, p.CA)
	require.True(t, p.Restart)
}

// TestModuleFailsAsAnsibleExpects: one JSON object on stdout with failed and
// msg, exit status 1, for a bad arguments file or none.
func TestModuleFailsAsAnsibleExpects(t *testing.T) {
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	require.NoError(t, os.WriteFile(args, []byte(`{"profile":"dcos","proxy":"http://svc@p:3128","password":"hunter2","root":"`+filepath.Join(dir, "missing")+`"}`), 0o600))
	for _, tc := range []struct {
		name    string
		argv    []string
		wantMsg string
	}{
		{name: "no arguments file", argv: nil, wantMsg: "usage: proxykit_node ARGS.json"},
		{name: "missing file", argv: []string{filepath.Join(dir, "nope")}, wantMsg: "read the module's arguments: open "},
		{name: "root that does not exist", argv: []string{args}, wantMsg: "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			require.Equal(t, 1, run(tc.argv, &out))
			var res map[string]any
			require.NoError(t, json.Unmarshal(out.Bytes(), &res), out.String())
			require.Equal(t, true, res["failed"])
			require.Contains(t, res["msg"], tc.wantMsg)
			require.False(t, strings.Contains(out.String(), "hunter2"))
		})
	}
}

// FuzzParseParams: any arguments file gives params or an error, and an
// error never quotes the password or keystore password.
func FuzzParseParams(f *testing.F) {
	f.Add([]byte(`{"profile":"dcos","proxy":"http://svc@p:3128","password":"hunter2","storepass":"hunter2"}`))
	f.Add([]byte(`{"profile":"docker-host","state":"absent","password":"hunter2","restart":"hunter2"}`))
	f.Add([]byte(`{"profile":"hunter2","password":"hunter2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw map[string]json.RawMessage
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		var secrets []string
		for _, k := range []string{"password", "storepass"} {
			var s string
			if json.Unmarshal(raw[k], &s) == nil && len(s) > 3 {
				secrets = append(secrets, s)
			}
		}
		_, err := parseParams(data)
		if err == nil {
			return
		}
		quoted := "" // what a message quotes: the names of options, the values of two
		for k := range raw {
			quoted += k + "\x00"
		}
		for _, k := range []string{"profile", "state"} {
			var v string
			if json.Unmarshal(raw[k], &v) == nil {
				quoted += v + "\x00"
			}
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) && !strings.Contains(quoted, s) {
				t.Fatalf("error %q holds a secret", err)
			}
		}
	})
}
