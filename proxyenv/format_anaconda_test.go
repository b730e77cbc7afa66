package proxyenv_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

func TestParseServerMirror(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // Args(false) joined, or the error's text
		err      bool
	}{
		{"user, no password", "conda-forge/cf-main https://conda.anaconda.org/conda-forge http://user1@proxy.corp:8899",
			"conda repo mirror --create cf-main --channel conda-forge --source https://conda.anaconda.org/conda-forge --proxy http://user1@proxy.corp:8899", false},
		{"no user", "main/m1 https://repo.anaconda.com/pkgs/main proxy.corp:3128",
			"conda repo mirror --create m1 --channel main --source https://repo.anaconda.com/pkgs/main --proxy http://proxy.corp:3128", false},
		{"blanks around", "  main/m1\thttps://a.example/x   proxy:1 ", "conda repo mirror --create m1 --channel main --source https://a.example/x --proxy http://proxy:1", false},
		{"password on the command line", "main/m1 https://a.example http://u:Secret1@proxy:1", "PROXYKIT_MIRROR_PASSWORD_MAIN_M1", true},
		{"two fields", "main/m1 http://u:Secret1@proxy:1", "want CHANNEL/NAME SOURCE-URL PROXY-URL", true},
		{"no name", "main https://a.example proxy:1", "want CHANNEL/NAME", true},
		{"bad name", "main/m 1 https://a.example proxy:1", "want CHANNEL/NAME SOURCE", true},
		{"source with credentials", "main/m1 https://u:Secret1@a.example proxy:1", "without credentials", true},
		{"source not http", "main/m1 ftp://a.example proxy:1", "without credentials", true},
		{"bad proxy", "main/m1 https://a.example http://u:Secret1@proxy:99999", "invalid proxy port", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := proxyenv.ParseServerMirror(tt.in)
			if tt.err {
				require.ErrorIs(t, err, proxyenv.ErrServerMirror)
				require.Contains(t, err.Error(), tt.want)
				require.NotContains(t, err.Error(), "Secret1")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, strings.Join(m.Args(false), " "))
		})
	}
}

// serverMirrors are two mirrors with their own users and passwords, which
// hold characters that the shell, JSON and URLs each treat specially.
func serverMirrors(t testing.TB) []proxyenv.ServerMirror {
	var ms []proxyenv.ServerMirror
	for i, c := range []struct{ spec, pass string }{
		{"conda-forge/cf https://conda.anaconda.org/conda-forge http://user1@proxy.corp:8899", `pw1'"$x\`},
		{"main/anaconda https://repo.anaconda.com/pkgs/main http://user2@proxy.corp:8899", "pw2 @:%"},
	} {
		m, err := proxyenv.ParseServerMirror(c.spec)
		require.NoError(t, err, i)
		m.Proxy.Password = proxyenv.NewSecret(c.pass)
		ms = append(ms, m)
	}
	return ms
}

// TestServerMirrorFormsReadBack runs the script with sh and a stand-in for
// conda that prints its arguments, and reads the request bodies with
// python3's json: each proxy URL, decoded as requests does, holds the
// mirror's own user and password. The masked forms hold neither password.
func TestServerMirrorFormsReadBack(t *testing.T) {
	sh := oracle.Require(t, "sh")
	python := oracle.Require(t, "python3")
	ms := serverMirrors(t)
	edit, err := proxyenv.ServerMirrorsScript(ms)
	require.NoError(t, err)
	script, err := edit(nil)
	require.NoError(t, err)
	again, err := edit(script)
	require.NoError(t, err)
	require.Equal(t, string(script), string(again))
	_, err = edit([]byte("#!/bin/sh\necho mine\n"))
	require.ErrorIs(t, err, proxyenv.ErrMalformed)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conda"), []byte("#!/bin/sh\nfor a do printf '%s\\n' \"$a\"; done; echo --\n"), 0o755))
	cmd := exec.Command(sh, "-c", string(script))
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	var want []string
	for _, m := range ms {
		want = append(want, m.Args(true)[1:]...)
		want = append(want, "--")
	}
	require.Equal(t, strings.Join(want, "\n")+"\n", string(out))

	var bodies []string
	for _, m := range ms {
		bodies = append(bodies, string(m.RequestBody(true)))
		for _, shown := range [][]byte{m.RequestBody(false), []byte(strings.Join(m.Args(false), " ")), []byte(fmt.Sprint(m))} {
			for _, form := range passwordForms(m.Proxy.Password.Reveal()) {
				require.NotContains(t, string(shown), form)
			}
		}
	}
	in, err := json.Marshal(bodies)
	require.NoError(t, err)
	py := exec.Command(python, "-c", `import json, sys
from urllib.parse import urlparse, unquote
for b in json.load(sys.stdin):
    u = urlparse(json.loads(b)["proxy"])
    print(unquote(u.username), unquote(u.password))`)
	py.Stdin = strings.NewReader(string(in))
	got, err := py.Output()
	require.NoError(t, err)
	require.Equal(t, "user1 "+ms[0].Proxy.Password.Reveal()+"\nuser2 "+ms[1].Proxy.Password.Reveal()+"\n", string(got))
}

func TestServerMirrorPasswordVar(t *testing.T) {
	require.Equal(t, "PROXYKIT_MIRROR_PASSWORD_CONDA_FORGE_CF_MAIN", proxyenv.ServerMirrorPasswordVar("conda-forge", "cf-main"))
	require.Equal(t, "PROXYKIT_MIRROR_PASSWORD_MAIN_M_1", proxyenv.ServerMirrorPasswordVar("main", "m.1"))
	m, err := proxyenv.ParseServerMirror("main/m1 https://Repo.Anaconda.com:443/pkgs/main http://u1@proxy:1")
	require.NoError(t, err)
	cm := m.CondaMirror()
	require.Equal(t, "https://repo.anaconda.com", cm.Key())
	require.Equal(t, "u1", cm.Proxy.Username)
	require.Equal(t, "PROXYKIT_MIRROR_PASSWORD_REPO_ANACONDA_COM", cm.PasswordVar())
}

// FuzzParseServerMirror: a mirror parsed from anything has valid names, a
// source without credentials and a proxy without a password, and no error
// quotes a password.
func FuzzParseServerMirror(f *testing.F) {
	f.Add("conda-forge/cf https://conda.anaconda.org/conda-forge http://user1@proxy.corp:8899")
	f.Add("main/m1 https://u:Secret1@a.example http://u:Secret1@proxy:1")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := proxyenv.ParseServerMirror(s)
		if err != nil {
			if f := strings.Fields(s); len(f) == 3 {
				p, perr := proxyenv.ParseProxy(f[2])
				pw := p.Password.Reveal()
				if perr == nil && len(pw) >= 4 && !strings.Contains(f[0]+" "+f[1]+" "+p.String(), pw) && strings.Contains(err.Error(), pw) {
					t.Fatalf("error quotes the password: %v", err)
				}
			}
			return
		}
		if !m.Proxy.Password.IsZero() || strings.ContainsAny(m.Channel+m.Name, "/ \t") {
			t.Fatalf("bad mirror from %q: %#v", s, m)
		}
		if !json.Valid(m.RequestBody(true)) {
			t.Fatalf("invalid JSON body for %q", s)
		}
	})
}

// TestServerMirrorFiles: the script and a request body per mirror, in the
// project's proxykit directory, root-only, holding the password; nothing
// without mirrors.
func TestServerMirrorFiles(t *testing.T) {
	files, err := proxyenv.ServerMirrorFiles("opt/repo", nil)
	require.NoError(t, err)
	require.Empty(t, files)

	m, err := proxyenv.ParseServerMirror("conda-forge/cf https://conda.anaconda.org/conda-forge http://user1@proxy.corp:8899")
	require.NoError(t, err)
	m.Proxy.Password = proxyenv.NewSecret("pw-1")
	files, err = proxyenv.ServerMirrorFiles("opt/repo", []proxyenv.ServerMirror{m})
	require.NoError(t, err)
	require.Len(t, files, 2)
	for i, want := range []struct {
		path string
		mode os.FileMode
	}{{"opt/repo/proxykit/mirrors.sh", 0o700}, {"opt/repo/proxykit/mirrors/conda-forge-cf.json", 0o600}} {
		require.Equal(t, want.path, files[i].Path)
		require.Equal(t, want.mode, files[i].Mode)
		require.True(t, files[i].Secret)
		b, err := files[i].Edit(nil)
		require.NoError(t, err)
		require.Contains(t, string(b), "http://user1:pw-1@proxy.corp:8899", "the file holds the password")
	}
	body, err := files[1].Edit(nil)
	require.NoError(t, err)
	require.Equal(t, string(m.RequestBody(true)), string(body))
}
