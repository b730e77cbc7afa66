package proxyenv_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/internal/oracle"
)

// updating reports whether the test binary runs with -update, the flag the
// package's tests share (declared once, with the oracle tests): golden files
// are then rewritten.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// ownedLine matches, per line-oriented format, the lines an edit owns.
var ownedLine = map[string]*regexp.Regexp{
	"etc-environment": regexp.MustCompile(`(?i)^\s*(export\s+)?(http|https|no)_proxy=`),
	"profile":         regexp.MustCompile(`(?i)^\s*(export\s+)?(http|https|no)_proxy=`),
	"dcos-proxy-env":  regexp.MustCompile(`(?i)^\s*(http|https|no)_proxy=`),
	"yum":             regexp.MustCompile(`(?i)^\s*proxy(_username|_password)?\s*[=:]`),
	"dnf":             regexp.MustCompile(`(?i)^\s*proxy(_username|_password)?\s*[=:]`),
	"apt":             regexp.MustCompile(`(?i)^\s*Acquire::https?::Proxy([ :]|-?auto-?detect)`),
}

// TestGolden runs each format on its sample files under
// testdata/formats/<format>/*.in with the "credentials" settings and
// compares with <format>/<sample>.golden (go test -run TestGolden -update
// rewrites them). It also checks that what the edit does not own is kept:
// the other lines of a line-oriented file byte for byte (continuation
// lines of owned values aside), the other JSON members in their order, the
// other YAML keys.
func TestGolden(t *testing.T) {
	s := settingsCases(t)["credentials"]
	for _, f := range fileFormats {
		edit, _, err := f.make(s)
		require.NoError(t, err)
		files, err := filepath.Glob(filepath.Join("testdata", "formats", f.name, "*.in"))
		require.NoError(t, err)
		for _, file := range files {
			name := strings.TrimSuffix(filepath.Base(file), ".in")
			t.Run(f.name+"/"+name, func(t *testing.T) {
				in, err := os.ReadFile(file)
				require.NoError(t, err)
				got, err := edit(in)
				require.NoError(t, err)
				golden := strings.TrimSuffix(file, ".in") + ".golden"
				if updating() {
					require.NoError(t, os.WriteFile(golden, got, 0o644))
				}
				want, err := os.ReadFile(golden)
				require.NoError(t, err)
				require.Equal(t, string(want), string(got))
				keptOutside(t, f.name, in, got)
			})
		}
	}
}

// keptOutside checks that an edit kept what it does not own.
func keptOutside(t *testing.T, format string, in, out []byte) {
	t.Helper()
	if re, ok := ownedLine[format]; ok {
		others := func(b []byte) []string {
			var ls []string
			for _, l := range strings.SplitAfter(string(b), "\n") {
				if l != "" && !re.MatchString(l) {
					ls = append(ls, strings.TrimRight(l, "\r\n"))
				}
			}
			return ls
		}
		inOthers, outOthers := others(in), others(out)
		// Continuation lines of an owned value leave with it.
		require.Subset(t, inOthers, outOthers)
		for _, l := range inOthers {
			if !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "still-the-value") {
				require.Contains(t, outOthers, l)
			}
		}
		return
	}
	switch format {
	case "daemon-json", "client-config":
		inKeys, outKeys := topKeys(t, in), topKeys(t, out)
		require.Equal(t, inKeys, without(outKeys, "proxies", inKeys))
		var a, b map[string]any
		if len(strings.TrimSpace(string(in))) > 0 {
			require.NoError(t, json.Unmarshal(in, &a))
		}
		require.NoError(t, json.Unmarshal(out, &b))
		delete(a, "proxies")
		delete(b, "proxies")
		if len(a) == 0 {
			a = nil
		}
		if len(b) == 0 {
			b = nil
		}
		require.Equal(t, a, b)
	case "condarc":
		var a, b map[string]any
		require.NoError(t, yaml.Unmarshal(in, &a))
		require.NoError(t, yaml.Unmarshal(out, &b))
		for _, m := range []map[string]any{a, b} {
			if ps, ok := m["proxy_servers"].(map[string]any); ok {
				delete(ps, "http")
				delete(ps, "https")
				if len(ps) == 0 {
					delete(m, "proxy_servers")
				}
			} else {
				delete(m, "proxy_servers")
			}
		}
		require.Equal(t, a, b)
	}
}

// topKeys returns the top-level keys of a JSON object in document order.
func topKeys(t *testing.T, b []byte) []string {
	t.Helper()
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	_, err := dec.Token()
	require.NoError(t, err)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}

// without returns keys without key unless ref has it.
func without(keys []string, key string, ref []string) []string {
	for _, r := range ref {
		if r == key {
			return keys
		}
	}
	var out []string
	for _, k := range keys {
		if k != key {
			out = append(out, k)
		}
	}
	return out
}

// TestGoldenReadByRealReaders reads the golden outputs of the env-style
// formats with their consumers: /etc/environment with the real pam_env
// (through libpam), DC/OS proxy.env with systemd's environment-file parser,
// the profile script (and proxy.env) with bash. Each
// proxy variable holds exactly the value written, whatever the sample's
// line ends, comments and continuation lines.
func TestGoldenReadByRealReaders(t *testing.T) {
	python := oracle.Require(t, "python3")
	const (
		url     = "http://svc%40corp:p%40ss%20w%24rd@proxy.corp:3128"
		noProxy = "localhost,127.0.0.1,.corp,mirror.corp,10.0.0.0/8"
	)
	want := func(t *testing.T, env map[string]string, noProxy string) {
		t.Helper()
		for _, n := range []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"} {
			require.Equal(t, url, env[n], n)
		}
		require.Equal(t, noProxy, env["no_proxy"])
		require.Equal(t, noProxy, env["NO_PROXY"])
	}
	abs := func(pattern string) []string {
		files, err := filepath.Glob(pattern)
		require.NoError(t, err)
		for i := range files {
			files[i], _ = filepath.Abs(files[i])
		}
		return files
	}
	pam := abs(filepath.Join("testdata", "formats", "etc-environment", "*.golden"))
	if envs, ok := readPAMEnv(t, python, pam); ok {
		for i, f := range pam {
			t.Run("pam_env/"+filepath.Base(f), func(t *testing.T) { want(t, envs[i], noProxy) })
		}
	}
	// systemd reads proxy.env (EnvironmentFile=), CRLF included.
	sd := abs(filepath.Join("testdata", "formats", "dcos-proxy-env", "*.golden"))
	if envs, ok := readSystemdEnv(t, sd); ok {
		for i, f := range sd {
			t.Run("systemd/"+filepath.Base(f), func(t *testing.T) {
				want(t, envs[i], noProxy+",.mesos,.thisdcos.directory,.dcos.directory,.zk")
			})
		}
	}
	// bash reads the profile script; it reads proxy.env only where that
	// is also shell (no ';' comments).
	shell := abs(filepath.Join("testdata", "formats", "profile", "*.golden"))
	shell = append(shell, abs(filepath.Join("testdata", "formats", "dcos-proxy-env", "existing.golden"))...)
	for f, env := range readShell(t, shell) {
		t.Run("bash/"+filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			np := noProxy
			if filepath.Base(filepath.Dir(f)) == "dcos-proxy-env" {
				np += ",.mesos,.thisdcos.directory,.dcos.directory,.zk"
			}
			want(t, env, np)
		})
	}
}
