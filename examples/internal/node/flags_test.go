package node

import (
	"errors"
	"flag"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestOptionsConfig(t *testing.T) {
	files := map[string]string{
		"pw.txt":    "from-file\nsecond line ignored\n",
		"empty.txt": "\n",
		"ca.pem":    "-----BEGIN CERTIFICATE-----\n",
	}
	env := func(vars map[string]string) Env {
		return Env{
			Getenv: func(k string) string { return vars[k] },
			ReadFile: func(name string) ([]byte, error) {
				if s, ok := files[name]; ok {
					return []byte(s), nil
				}
				return nil, fs.ErrNotExist
			},
		}
	}
	for _, tc := range []struct {
		name      string
		args      []string
		vars      map[string]string
		needProxy bool
		wantErr   error
		check     func(t *testing.T, c *Config)
	}{
		{
			name: "one proxy for http and https", needProxy: true,
			args: []string{"-proxy", "http://proxy.corp:3128", "-no-proxy", "a.corp,10.0.0.0/8"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "http://proxy.corp:3128", c.Settings.HTTPProxy.String())
				require.Equal(t, "http://proxy.corp:3128", c.Settings.HTTPSProxy.String())
				require.Equal(t, "a.corp,10.0.0.0/8", c.Settings.NoProxy.String())
				require.Equal(t, "/", c.Root)
				require.Equal(t, "corporate_proxy", c.CAAlias)
				require.Equal(t, "changeit", c.StorePass.Reveal())
			},
		},
		{
			name: "https proxy of its own", needProxy: true,
			args: []string{"-proxy", "http://p1:3128", "-https-proxy", "http://p2:8443"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "p1", c.Settings.HTTPProxy.Host)
				require.Equal(t, "p2", c.Settings.HTTPSProxy.Host)
			},
		},
		{
			name: "password from the environment", needProxy: true,
			args: []string{"-proxy", "http://svc@p:3128"},
			vars: map[string]string{EnvProxyPassword: "p@ss"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "p@ss", c.Settings.HTTPProxy.Password.Reveal())
				require.Equal(t, "p@ss", c.Settings.HTTPSProxy.Password.Reveal())
				require.Empty(t, c.Warnings)
			},
		},
		{
			name: "password file wins over the environment", needProxy: true,
			args: []string{"-proxy", "http://svc@p:3128", "-proxy-password-file", "pw.txt"},
			vars: map[string]string{EnvProxyPassword: "from-env"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "from-file", c.Settings.HTTPProxy.Password.Reveal())
			},
		},
		{
			name: "password on the command line draws a warning", needProxy: true,
			args: []string{"-proxy", "http://svc:cli@p:3128"},
			check: func(t *testing.T, c *Config) {
				require.Len(t, c.Warnings, 1)
				require.NotContains(t, c.Warnings[0], "cli@")
			},
		},
		{
			name: "store password from the environment", needProxy: true,
			args:  []string{"-proxy", "p:3128"},
			vars:  map[string]string{EnvStorePass: "s3cret"},
			check: func(t *testing.T, c *Config) { require.Equal(t, "s3cret", c.StorePass.Reveal()) },
		},
		{
			name: "repeatable -ca and -bundle", needProxy: true,
			args: []string{"-proxy", "p:3128", "-ca", "ca.pem", "-ca", "ca.pem", "-bundle", "a/*.pem", "-bundle", "b.pem"},
			check: func(t *testing.T, c *Config) {
				require.Len(t, c.CAs, 2)
				require.Equal(t, []string{"a/*.pem", "b.pem"}, c.Bundles)
			},
		},
		{name: "no proxy", needProxy: true, wantErr: ErrNoProxy},
		{name: "no proxy needed for undo", needProxy: false, check: func(t *testing.T, c *Config) { require.Nil(t, c.Settings.HTTPProxy) }},
		{name: "password without user", needProxy: true, args: []string{"-proxy", "http://p:3128"}, vars: map[string]string{EnvProxyPassword: "x"}, wantErr: ErrUsage},
		{name: "empty password file", needProxy: true, args: []string{"-proxy", "http://u@p:3128", "-proxy-password-file", "empty.txt"}, wantErr: ErrUsage},
		{name: "missing password file", needProxy: true, args: []string{"-proxy", "http://u@p:3128", "-proxy-password-file", "nope"}, wantErr: fs.ErrNotExist},
		{name: "missing CA file", needProxy: true, args: []string{"-proxy", "p:3128", "-ca", "nope.pem"}, wantErr: fs.ErrNotExist},
		{name: "bad alias", needProxy: true, args: []string{"-proxy", "p:3128", "-ca-alias", "a/b"}, wantErr: ErrUsage},
		{
			name: "-ca-alias defaults to corporate_proxy", needProxy: true,
			args: []string{"-proxy", "p:3128"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "corporate_proxy", c.CAAlias)
				require.Empty(t, c.CAAliases)
			},
		},
		{
			name: "-ca-alias SOURCE=NAME is repeatable and kept in order beside the plain NAME", needProxy: true,
			args: []string{"-proxy", "p:3128", "-ca", "ca.pem", "-ca-alias", "ca.pem=corp_root", "-ca-alias", "proxy_ca",
				"-ca-alias", "https://master/ca/dcos-ca.crt?x=1=dcos_ca", "-ca-alias", strings.Repeat("AB:", 31) + "AB=by_fp"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "proxy_ca", c.CAAlias)
				require.Len(t, c.CAAliases, 3)
				require.Equal(t, CAAliasRule{Source: "ca.pem", Name: "corp_root"}, c.CAAliases[0])
				require.Equal(t, CAAliasRule{Source: "https://master/ca/dcos-ca.crt?x=1", Name: "dcos_ca"}, c.CAAliases[1], "split at the last =")
				require.NotNil(t, c.CAAliases[2].Fingerprint, "a SHA-256 fingerprint names a CA by its fingerprint")
				require.Equal(t, "ca.pem", c.CAs[0].Source)
			},
		},
		{name: "bad proxy", needProxy: true, args: []string{"-proxy", "ftp://p:21"}, wantErr: proxyenv.ErrScheme},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fset := flag.NewFlagSet("test", flag.ContinueOnError)
			fset.SetOutput(io.Discard)
			var o Options
			o.Register(fset)
			require.NoError(t, fset.Parse(tc.args))
			c, err := o.Config(env(tc.vars), tc.needProxy)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

// TestConfigErrorsNeverHoldThePassword checks the errors of a proxy value
// that does not parse.
func TestConfigErrorsNeverHoldThePassword(t *testing.T) {
	fset := flag.NewFlagSet("test", flag.ContinueOnError)
	var o Options
	o.Register(fset)
	require.NoError(t, fset.Parse([]string{"-proxy", "http://svc:hunter2@bad host:3128"}))
	_, err := o.Config(Env{Getenv: func(string) string { return "" }}, true)
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrNoProxy))
	require.NotContains(t, err.Error(), "hunter2")
}

// TestCAAliasFlagRefusesUnclearNames checks what -ca-alias refuses when the
// flags are parsed: a plain NAME given twice (which CA would it name?), an
// empty SOURCE, and a NAME that is no plain name.
func TestCAAliasFlagRefusesUnclearNames(t *testing.T) {
	for _, args := range [][]string{
		{"-ca-alias", "a", "-ca-alias", "b"},
		{"-ca-alias", "=name"},
		{"-ca-alias", "ca.pem=a b"},
		{"-ca-alias", "ca.pem="},
	} {
		fset := flag.NewFlagSet("test", flag.ContinueOnError)
		fset.SetOutput(io.Discard)
		var o Options
		o.Register(fset)
		require.Error(t, fset.Parse(args), "%q", args)
	}
}
