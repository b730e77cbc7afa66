package dockerhost

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestParsePasswd(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []account
		err  string
	}{
		{"users", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1001:Alice,,,:/home/alice:/bin/bash\n",
			[]account{{"root", 0, 0, "/root"}, {"alice", 1000, 1001, "/home/alice"}}, ""},
		{"comments, blanks, NIS and CRLF", "# local\r\n\r\n+@netgroup::::::\r\nbob:x:1002:1002::/srv/bob:/bin/sh\r\n",
			[]account{{"bob", 1002, 1002, "/srv/bob"}}, ""},
		{"no final newline", "carol:x:7:7::/home/carol:/bin/sh", []account{{"carol", 7, 7, "/home/carol"}}, ""},
		{"empty", "", nil, ""},
		{"too few fields", "root:x:0:0:root:/root\n", nil, "/etc/passwd:1: 6 fields, want 7"},
		{"non-numeric id", "x\nroot:x:zero:0:root:/root:/bin/sh\n", nil, "/etc/passwd:1: 1 fields"},
		{"negative id", "root:x:-1:0:root:/root:/bin/sh\n", nil, "must be numbers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePasswd([]byte(tt.in))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParsePasswd(f *testing.F) {
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n"))
	f.Add([]byte("# c\n+::::::\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		accs, err := parsePasswd(b)
		if err != nil {
			if accs != nil {
				t.Fatal("accounts with an error")
			}
			return
		}
		for _, a := range accs {
			if a.UID < 0 || a.GID < 0 || strings.Contains(a.Name, ":") {
				t.Fatalf("bad account %+v", a)
			}
		}
	})
}

func TestParseMirror(t *testing.T) {
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
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := parseMirror(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				assert.NotContains(t, err.Error(), "p%40ss")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.key, m.key)
			assert.Equal(t, tt.value, m.proxyValue())
		})
	}
}

func TestSetProxyServer(t *testing.T) {
	const k, v = "https://conda.corp.example", "http://u:p%24@proxy:8080"
	entry := `"https://conda.corp.example": "http://u:p%24@proxy:8080"`
	tests := []struct {
		name, in, want, err string
	}{
		{"no file", "", "proxy_servers:\n  " + entry + "\n", ""},
		{"no proxy_servers", "channels:\n  - defaults # mirror\n", "channels:\n  - defaults # mirror\nproxy_servers:\n  " + entry + "\n", ""},
		{"no final newline", "channels: [defaults]", "channels: [defaults]\nproxy_servers:\n  " + entry + "\n", ""},
		{"appended after the others", "proxy_servers:\n    http: http://p:1 # corp\n    https: http://p:1\nssl_verify: true\n",
			"proxy_servers:\n    http: http://p:1 # corp\n    https: http://p:1\n    " + entry + "\nssl_verify: true\n", ""},
		{"replaced in place", "proxy_servers:\n  'https://conda.corp.example': http://old:1\n  http: http://p:1\n",
			"proxy_servers:\n  " + entry + "\n  http: http://p:1\n", ""},
		{"empty proxy_servers", "proxy_servers:\nchannels: [a]\n", "proxy_servers:\n  " + entry + "\nchannels: [a]\n", ""},
		{"CRLF", "channels:\r\n  - a\r\n", "channels:\r\n  - a\r\nproxy_servers:\r\n  " + entry + "\r\n", ""},
		{"flow mapping refused", "proxy_servers: {http: 'http://p:1'}\n", "", "not a block mapping"},
		{"not YAML", "proxy_servers: [\n", "", "not YAML"},
		{"list at top", "- a\n", "", "top level is not a block mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []byte
			if tt.in != "" {
				in = []byte(tt.in)
			}
			got, err := setProxyServer(in, k, v)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			again, err := setProxyServer(got, k, v)
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

func FuzzSetProxyServer(f *testing.F) {
	f.Add([]byte("channels:\n  - defaults\nproxy_servers:\n  http: http://p:1\n"))
	f.Add([]byte("proxy_servers:\n"))
	f.Add([]byte("# only a comment"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const k, v = "all://m.example", "http://u:p%25@proxy:3128"
		out, err := setProxyServer(in, k, v)
		if err != nil {
			return
		}
		again, err := setProxyServer(out, k, v)
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

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"HTTP_PROXY=http://proxy:3128": "HTTP_PROXY=http://proxy:3128",
		"NO_PROXY=*.corp,localhost":    "'NO_PROXY=*.corp,localhost'",
		"X=it's":                       `'X=it'\''s'`,
		"":                             "''",
	} {
		assert.Equal(t, want, shellWord(in), in)
	}
}

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
