package proxyenv_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

// TestMirrorsFromValues: each mirror's password comes from the lookup, asked
// for by id with the variables most specific first; a password is joined
// only to a proxy that names a user; what is wrong with a password is a
// warning, or an error where it cannot be used; no password reaches an
// error or a warning.
func TestMirrorsFromValues(t *testing.T) {
	const server = "conda-forge/cf https://conda.anaconda.org/conda-forge http://user1@proxy-a.corp:8899"
	tests := []struct {
		name      string
		v         proxyenv.MirrorValues
		passwords map[string]string // by id
		wantURLs  []string          // the conda mirrors' proxies, password masked
		wantAsked []string          // id and variables, in order
		warns     []string
		err       error
	}{
		{name: "none"},
		{name: "a conda mirror's password joined to its user",
			v:         proxyenv.MirrorValues{Conda: []string{"https://conda.corp=http://svc@proxy.corp:8080"}},
			passwords: map[string]string{"https://conda.corp": "pw-1"},
			wantURLs:  []string{"https://conda.corp http://svc:xxxxx@proxy.corp:8080"},
			wantAsked: []string{"https://conda.corp PROXYKIT_MIRROR_PASSWORD_CONDA_CORP PROXYKIT_CONDA_PROXY_PASSWORD"}},
		{name: "a conda mirror's proxy without a user takes no password",
			v:         proxyenv.MirrorValues{Conda: []string{"conda.corp=proxy.corp:8080"}},
			passwords: map[string]string{"all://conda.corp": "pw-1"},
			wantURLs:  []string{"all://conda.corp http://proxy.corp:8080"},
			wantAsked: []string{"all://conda.corp PROXYKIT_MIRROR_PASSWORD_CONDA_CORP PROXYKIT_CONDA_PROXY_PASSWORD"}},
		{name: "a password in a conda mirror's URL is kept, with a warning",
			v:         proxyenv.MirrorValues{Conda: []string{"https://conda.corp=http://svc:in-url-pw@proxy.corp:8080"}},
			passwords: map[string]string{"https://conda.corp": "pw-1"},
			wantURLs:  []string{"https://conda.corp http://svc:xxxxx@proxy.corp:8080"},
			wantAsked: []string{"https://conda.corp PROXYKIT_MIRROR_PASSWORD_CONDA_CORP PROXYKIT_CONDA_PROXY_PASSWORD"},
			warns:     []string{"https://conda.corp: the proxy URL carries a password on the command line"}},
		{name: "a server mirror: its password, and its source for conda, after the conda mirrors",
			v:         proxyenv.MirrorValues{Conda: []string{"conda.corp=proxy.corp:8080"}, Server: []string{server}},
			passwords: map[string]string{"conda-forge/cf": "pw-2"},
			wantURLs:  []string{"all://conda.corp http://proxy.corp:8080", "https://conda.anaconda.org http://user1:xxxxx@proxy-a.corp:8899"},
			wantAsked: []string{"conda-forge/cf PROXYKIT_MIRROR_PASSWORD_CONDA_FORGE_CF", "all://conda.corp PROXYKIT_MIRROR_PASSWORD_CONDA_CORP PROXYKIT_CONDA_PROXY_PASSWORD"}},
		{name: "a server mirror's user without a password: a warning",
			v:         proxyenv.MirrorValues{Server: []string{server}},
			wantURLs:  []string{"https://conda.anaconda.org http://user1@proxy-a.corp:8899"},
			wantAsked: []string{"conda-forge/cf PROXYKIT_MIRROR_PASSWORD_CONDA_FORGE_CF"},
			warns:     []string{"conda-forge/cf: the proxy names the user user1 but no password was found for it ($PROXYKIT_MIRROR_PASSWORD_CONDA_FORGE_CF)"}},
		{name: "a password for a server mirror whose proxy names no user: an error",
			v:         proxyenv.MirrorValues{Server: []string{"main/x https://a.example http://p.example:1"}},
			passwords: map[string]string{"main/x": "pw-3"},
			wantAsked: []string{"main/x PROXYKIT_MIRROR_PASSWORD_MAIN_X"},
			err:       proxyenv.ErrServerMirror},
		{name: "a conda mirror with a path: an error",
			v:   proxyenv.MirrorValues{Conda: []string{"https://conda.corp/pkgs=proxy.corp:8080"}},
			err: proxyenv.ErrMirror},
		{name: "the lookup's error",
			v:         proxyenv.MirrorValues{Conda: []string{"conda.corp=proxy.corp:8080"}},
			passwords: map[string]string{"all://conda.corp": "!fail"},
			wantAsked: []string{"all://conda.corp PROXYKIT_MIRROR_PASSWORD_CONDA_CORP PROXYKIT_CONDA_PROXY_PASSWORD"},
			err:       errLookup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []string
			tt.v.Password = func(id string, vars ...string) (string, error) {
				asked = append(asked, strings.Join(append([]string{id}, vars...), " "))
				if tt.passwords[id] == "!fail" {
					return "", errLookup
				}
				return tt.passwords[id], nil
			}
			ms, err := proxyenv.MirrorsFromValues(tt.v)
			require.Equal(t, tt.wantAsked, asked)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				for _, pw := range tt.passwords {
					require.NotContains(t, err.Error(), pw)
				}
				return
			}
			require.NoError(t, err)
			var urls, warns []string
			for _, m := range ms.Conda {
				urls = append(urls, m.Key()+" "+m.Proxy.String())
			}
			require.Equal(t, tt.wantURLs, urls)
			for _, w := range ms.Warnings {
				warns = append(warns, w.Item+": "+w.Message)
				require.NotContains(t, w.Message, "in-url-pw")
			}
			require.Len(t, warns, len(tt.warns))
			for i := range warns {
				require.True(t, strings.HasPrefix(warns[i], tt.warns[i]), warns[i])
			}
		})
	}
	ms, err := proxyenv.MirrorsFromValues(proxyenv.MirrorValues{Server: []string{server}})
	require.NoError(t, err, "no lookup: no password")
	require.True(t, ms.Server[0].Proxy.Password.IsZero())
}

var errLookup = errors.New("lookup failed")

func ExampleMirrorsFromValues() {
	ms, err := proxyenv.MirrorsFromValues(proxyenv.MirrorValues{
		Conda:  []string{"https://conda.corp.example=http://svc@proxy-dmz.corp:8080"},
		Server: []string{"conda-forge/cf https://conda.anaconda.org/conda-forge http://user1@proxy-a.corp:8899"},
		// os.Getenv, a file per mirror, a vault: here, a fixed map.
		Password: func(id string, vars ...string) (string, error) {
			return map[string]string{"https://conda.corp.example": "pw1", "conda-forge/cf": "pw2"}[id], nil
		},
	})
	if err != nil {
		panic(err)
	}
	for _, m := range ms.Conda {
		fmt.Println(m.Key(), "through", m.Proxy)
	}
	fmt.Println(strings.Join(ms.Server[0].Args(false), " "))
	// Output:
	// https://conda.corp.example through http://svc:xxxxx@proxy-dmz.corp:8080
	// https://conda.anaconda.org through http://user1:xxxxx@proxy-a.corp:8899
	// conda repo mirror --create cf --channel conda-forge --source https://conda.anaconda.org/conda-forge --proxy http://user1:xxxxx@proxy-a.corp:8899
}
