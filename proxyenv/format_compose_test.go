package proxyenv_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

// composeConfig runs the real docker-compose's "config" on a project
// directory, with no proxy variable in its environment (a shell's would
// take precedence over .env), and returns each service's resolved
// environment.
func composeConfig(t *testing.T, compose, dir string) map[string]map[string]string {
	t.Helper()
	cmd := exec.Command(compose, "--no-ansi", "config")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "docker-compose config: %s", stderr.String())
	var cfg struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(out, &cfg))
	envs := make(map[string]map[string]string)
	for name, s := range cfg.Services {
		envs[name] = s.Environment
	}
	return envs
}

// TestComposeGoldenReadByDockerCompose runs docker-compose config on each
// golden compose file, with the .env that ComposeDotEnv wrote from the same
// settings: it parses, and the named services' resolved environment holds
// the proxy with the password from .env, in both cases, while the file
// holds no form of the password.
func TestComposeGoldenReadByDockerCompose(t *testing.T) {
	compose := oracle.Require(t, "docker-compose")
	t.Logf("oracle: %s", oracle.Version(compose, "version", "--short"))
	s := settingsCases(t)["credentials"]
	const url = "http://svc%40corp:p%40ss%20w%24rd@proxy.corp:3128"
	dotenv, err := os.ReadFile(filepath.Join("testdata", "formats", "compose-env", "anaconda.golden"))
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join("testdata", "formats", "compose", "*.golden"))
	require.NoError(t, err)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			for _, form := range passwordForms(s.HTTPProxy.Password.Reveal()) {
				require.NotContains(t, string(b), form)
			}
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "docker-compose.yml"), b, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), dotenv, 0o600))
			envs := composeConfig(t, compose, dir)
			for _, svc := range proxyenv.DefaultComposeServices() {
				for _, n := range []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"} {
					require.Equal(t, url, envs[svc][n], "%s %s", svc, n)
				}
				require.Equal(t, s.NoProxy.String(), envs[svc]["NO_PROXY"], svc)
				require.Equal(t, s.NoProxy.String(), envs[svc]["no_proxy"], svc)
			}
			for svc, env := range envs {
				if svc == "repo_api" || svc == "repo_worker" {
					continue
				}
				for n := range env {
					require.NotContains(t, strings.ToLower(n), "proxy", "%s got %s", svc, n)
				}
			}
		})
	}
}

// TestComposeDotEnvReadByDockerCompose reads each golden .env with
// docker-compose: every variable holds exactly the value written, CRLF,
// quotes and continuation lines of the sample notwithstanding.
func TestComposeDotEnvReadByDockerCompose(t *testing.T) {
	compose := oracle.Require(t, "docker-compose")
	const url = "http://svc%40corp:p%40ss%20w%24rd@proxy.corp:3128"
	files, err := filepath.Glob(filepath.Join("testdata", "formats", "compose-env", "*.golden"))
	require.NoError(t, err)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), b, 0o600))
			yml := "services:\n  s:\n    image: busybox\n    environment:\n" +
				"      A: ${PROXYKIT_HTTP_PROXY}\n      B: ${PROXYKIT_HTTPS_PROXY}\n      C: ${PROXYKIT_NO_PROXY}\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(yml), 0o644))
			env := composeConfig(t, compose, dir)["s"]
			require.Equal(t, map[string]string{"A": url, "B": url, "C": "localhost,127.0.0.1,.corp,mirror.corp,10.0.0.0/8"}, env)
		})
	}
}

// passwordForms lists the encodings of a password an output must not hold.
func passwordForms(pw string) []string {
	return []string{pw, proxyenv.EscapeUserinfo(pw), strings.ReplaceAll(pw, " ", "%20")}
}

// TestComposeKeepsWhatItDoesNotOwn checks, on each golden input, that the
// services not named and the text outside services are kept byte for byte,
// and every comment line too.
func TestComposeKeepsWhatItDoesNotOwn(t *testing.T) {
	owned := regexp.MustCompile(`(?i)^\s*(-\s+)?(http|https|no)_proxy\s*[=:]?`)
	files, err := filepath.Glob(filepath.Join("testdata", "formats", "compose", "*.in"))
	require.NoError(t, err)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := os.ReadFile(file)
			require.NoError(t, err)
			out, err := os.ReadFile(strings.TrimSuffix(file, ".in") + ".golden")
			require.NoError(t, err)
			blocks := func(b []byte) map[string]string {
				m := make(map[string]string)
				var name string
				svcIndent := -1 // indentation of the service names
				for _, l := range strings.SplitAfter(string(b), "\n") {
					t := strings.TrimRight(l, "\r\n")
					ind := len(t) - len(strings.TrimLeft(t, " "))
					if strings.HasPrefix(name, "services") && svcIndent < 0 && ind > 0 {
						svcIndent = ind
					}
					switch {
					case ind == 0 && t != "" && !strings.HasPrefix(t, "#"):
						name = strings.TrimSuffix(t, ":")
					case ind == svcIndent && strings.HasPrefix(name, "services") && strings.HasSuffix(t, ":"):
						name = "services." + strings.TrimSuffix(strings.TrimSpace(t), ":")
					}
					m[name] += l
				}
				return m
			}
			a, b := blocks(in), blocks(out)
			for name, text := range a {
				if name == "services.repo_api" || name == "services.repo_worker" {
					continue
				}
				require.Equal(t, text, b[name], name)
			}
			for _, l := range strings.Split(string(in), "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "#") {
					require.Contains(t, string(out), l)
				}
				if !owned.MatchString(l) && !strings.Contains(l, "{}") {
					require.Contains(t, string(out), l)
				}
			}
		})
	}
}

// TestComposeUnsetRemovesOnlyOurs checks that settings without a proxy
// remove the variables (and an environment left empty), and give back the
// original of a file that had none.
func TestComposeUnsetRemovesOnlyOurs(t *testing.T) {
	set, _, err := settingsCases(t)["credentials"].ComposeFile()
	require.NoError(t, err)
	unset, _, err := proxyenv.Settings{}.ComposeFile()
	require.NoError(t, err)
	for _, name := range []string{"anaconda", "list-form", "no-environment"} {
		in, err := os.ReadFile(filepath.Join("testdata", "formats", "compose", name+".in"))
		require.NoError(t, err)
		mid, err := set(in)
		require.NoError(t, err)
		back, err := unset(mid)
		require.NoError(t, err)
		require.Equal(t, string(in), string(back), name)
	}
}

// TestComposeRefuses lists the files the edit will not change, each with
// the line and reason.
func TestComposeRefuses(t *testing.T) {
	edit, _, err := settingsCases(t)["credentials"].ComposeFile()
	require.NoError(t, err)
	const two = "  repo_worker:\n    image: b\n"
	tests := []struct {
		name, in string
		err      error
		line     int
		detail   string
	}{
		{"absent", "", proxyenv.ErrMalformed, 0, "no top-level services"},
		{"version 1", "repo_api:\n  image: a\nrepo_worker:\n  image: b\n", proxyenv.ErrMalformed, 0, "version 1"},
		{"missing service", "services:\n  repo_api:\n    image: a\n", proxyenv.ErrNoService, 0, "not among"},
		{"not YAML", "services:\n  repo_api: [\n", proxyenv.ErrMalformed, 2, "invalid YAML"},
		{"flow service", "services:\n  repo_api: {image: a}\n" + two, proxyenv.ErrMalformed, 2, "not a block mapping"},
		{"flow environment", "services:\n  repo_api:\n    image: a\n    environment: {A: b}\n" + two, proxyenv.ErrMalformed, 4, "flow style"},
		{"aliased service", "services:\n  repo_api: &api\n    image: a\n  repo_worker: *api\n", proxyenv.ErrMalformed, 2, "alias"},
		{"anchored environment", "services:\n  repo_api:\n    image: a\n    environment: &e\n      A: b\n  repo_worker:\n    image: b\n    environment: *e\n", proxyenv.ErrMalformed, 4, "anchor"},
		{"merged environment", "x: &x\n  environment:\n    A: b\nservices:\n  repo_api:\n    <<: *x\n    image: a\n" + two, proxyenv.ErrMalformed, 6, "merge key"},
		{"scalar environment", "services:\n  repo_api:\n    image: a\n    environment: A=b\n" + two, proxyenv.ErrMalformed, 4, "neither a mapping nor a list"},
		{"two documents", "services: {}\n---\nservices: {}\n", proxyenv.ErrMalformed, 2, "several"},
		{"lone CR", "services:\r  repo_api:\n", proxyenv.ErrMalformed, 1, "carriage return"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []byte
			if tt.name != "absent" {
				in = []byte(tt.in)
			}
			out, err := edit(in)
			require.Nil(t, out)
			require.ErrorIs(t, err, tt.err)
			var fe *proxyenv.FormatError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tt.line, fe.Line, err.Error())
			require.Contains(t, err.Error(), tt.detail)
			require.True(t, strings.HasPrefix(err.Error(), "docker-compose.yml: "), err.Error())
		})
	}
}

// TestComposeNamedServices edits the services asked for, and no other.
func TestComposeNamedServices(t *testing.T) {
	s := proxyenv.Settings{HTTPSProxy: mustProxy(t, "proxy.corp:3128")}
	edit, warns, err := s.ComposeFile("web", "web")
	require.NoError(t, err)
	require.Empty(t, warns, "no credentials, no warning")
	out, err := edit([]byte("services:\n  web:\n    image: a\n  db:\n    image: b\n"))
	require.NoError(t, err)
	require.Equal(t, "services:\n  web:\n    image: a\n    environment:\n      https_proxy: ${PROXYKIT_HTTPS_PROXY}\n      HTTPS_PROXY: ${PROXYKIT_HTTPS_PROXY}\n  db:\n    image: b\n", string(out))
	_, _, err = s.ComposeFile("bad name")
	require.ErrorIs(t, err, proxyenv.ErrUnsafeValue)
	names, err := proxyenv.ComposeServiceNames(out)
	require.NoError(t, err)
	require.Equal(t, []string{"web", "db"}, names)
}
