package proxyenv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestParseCondaMirror(t *testing.T) {
	tests := []struct {
		in, key, value, err string
	}{
		{"https://conda.corp.example=http://u:p%40ss@proxy:8080", "https://conda.corp.example", "http://u:p%40ss@proxy:8080", ""},
		{"conda.corp.example=proxy:3128", "all://conda.corp.example", "http://proxy:3128", ""},
		{"HTTP://Mirror.Corp/=http://proxy", "http://mirror.corp", "http://proxy:80", ""},
		{"https://m=http://u:$HOME!@proxy:1", "https://m", "http://u:%24HOME%21@proxy:1", ""},
		{"m:8443=http://p:1", "", "", "without port or path"},
		{"https://m/channel=http://p:1", "", "", "without port or path"},
		{"ftp://m=http://p:1", "", "", "http or https"},
		{"m", "", "", "want MIRROR=PROXY-URL"},
		{"m=socks9://p", "", "", "unsupported proxy scheme"},
		{"m:1=http://u:p%40ss@p:1", "", "", "without port or path"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := proxyenv.ParseCondaMirror(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				assert.NotContains(t, err.Error(), "p%40ss")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.key, m.Key())
			assert.Equal(t, tt.value, m.Proxy.RevealURL())
		})
	}
}

// mirrorEdit is the edit of a .condarc with the http and https proxies
// p:1 and one mirror k → v.
func mirrorEdit(t testing.TB, k, v string) proxyenv.Edit {
	m, err := proxyenv.ParseCondaMirror(k + "=" + v)
	require.NoError(t, err)
	p, err := proxyenv.ParseProxy("http://p:1")
	require.NoError(t, err)
	edit, _, err := proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p}.CondarcWithMirrors([]proxyenv.CondaMirror{m})
	require.NoError(t, err)
	return edit
}

func TestCondarcWithMirrors(t *testing.T) {
	const k, v = "https://conda.corp.example", "http://u:p%24@proxy:8080"
	entry := `"https://conda.corp.example": "http://u:p%24@proxy:8080"`
	ours := "  http: \"http://p:1\"\n  https: \"http://p:1\"\n  " + entry + "\n"
	tests := []struct {
		name, in, want, err string
	}{
		{"no file", "", "proxy_servers:\n" + ours, ""},
		{"no proxy_servers", "channels:\n  - defaults # mirror\n", "channels:\n  - defaults # mirror\nproxy_servers:\n" + ours, ""},
		{"no final newline", "channels: [defaults]", "channels: [defaults]\nproxy_servers:\n" + ours, ""},
		{"appended after the others", "proxy_servers:\n    http: http://p:1 # corp\n    https: http://p:1\nssl_verify: true\n",
			"proxy_servers:\n    http: \"http://p:1\" # corp\n    https: \"http://p:1\"\n    " + entry + "\nssl_verify: true\n", ""},
		{"replaced in place", "proxy_servers:\n  'https://conda.corp.example': http://old:1\n  http: http://p:1\n",
			"proxy_servers:\n  " + entry + "\n  http: \"http://p:1\"\n  https: \"http://p:1\"\n", ""},
		{"other mirrors kept", "proxy_servers:\n  all://other.example: http://q:2\n",
			"proxy_servers:\n  all://other.example: http://q:2\n" + ours, ""},
		{"empty proxy_servers", "proxy_servers:\nchannels: [a]\n", "proxy_servers:\n" + ours + "channels: [a]\n", ""},
		{"CRLF", "channels:\r\n  - a\r\n", "channels:\r\n  - a\r\nproxy_servers:\r\n  http: \"http://p:1\"\r\n  https: \"http://p:1\"\r\n  " + entry + "\r\n", ""},
		{"flow mapping of ours rewritten", "proxy_servers: {http: 'http://p:1'}\n", "proxy_servers:\n" + ours, ""},
		{"flow mapping of others refused", "proxy_servers: {all://x: 'http://p:1'}\n", "", "flow style"},
		{"not YAML", "proxy_servers: [\n", "", "invalid YAML"},
		{"list at top", "- a\n", "", "top level is not a block mapping"},
	}
	edit := mirrorEdit(t, k, v)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []byte
			if tt.in != "" {
				in = []byte(tt.in)
			}
			got, err := edit(in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				require.ErrorIs(t, err, proxyenv.ErrMalformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			again, err := edit(got)
			require.NoError(t, err)
			assert.Equal(t, string(got), string(again), "idempotent")
			var c struct {
				ProxyServers map[string]string `yaml:"proxy_servers"`
			}
			require.NoError(t, yaml.Unmarshal(got, &c))
			assert.Equal(t, v, c.ProxyServers[k])
		})
	}
}

func TestCondarcWithMirrorsRefusesAnUnkeyableMirror(t *testing.T) {
	_, _, err := proxyenv.Settings{}.CondarcWithMirrors([]proxyenv.CondaMirror{{Scheme: "ftp", Host: "m"}})
	require.ErrorIs(t, err, proxyenv.ErrMirror)
	_, _, err = proxyenv.Settings{}.CondarcWithMirrors([]proxyenv.CondaMirror{{Scheme: "https", Host: "m:1"}})
	require.ErrorIs(t, err, proxyenv.ErrMirror)
}

func FuzzCondarcMirrors(f *testing.F) {
	f.Add([]byte("channels:\n  - defaults\nproxy_servers:\n  http: http://p:1\n"))
	f.Add([]byte("proxy_servers:\n"))
	f.Add([]byte("# only a comment"))
	const k, v = "all://m.example", "http://u:p%25@proxy:3128"
	edit := mirrorEdit(f, k, v)
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := edit(in)
		if err != nil {
			return
		}
		again, err := edit(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %v\n%q\n%q", err, out, again)
		}
		var c struct {
			ProxyServers map[string]any `yaml:"proxy_servers"`
		}
		if err := yaml.Unmarshal(out, &c); err != nil {
			t.Fatalf("output is not YAML: %v\n%q", err, out)
		}
		if c.ProxyServers[k] != v {
			t.Fatalf("entry not set: %q", out)
		}
	})
}
