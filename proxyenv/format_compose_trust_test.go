package proxyenv_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

const composeProject = `services:
  repo_db:
    image: postgres:13
  repo_api:
    image: repo:6.1
  repo_worker:
    image: repo:6.1
`

// TestComposeProject: the default services, the no-proxy list with every
// service of the project, and a missing service named with those the file
// has.
func TestComposeProject(t *testing.T) {
	p, err := proxyenv.ParseProxy("http://proxy.corp:3128")
	require.NoError(t, err)
	s := proxyenv.Settings{HTTPProxy: &p, NoProxy: proxyenv.ParseNoProxy(".corp")}

	got, err := s.ComposeProject([]byte(composeProject))
	require.NoError(t, err)
	require.Equal(t, proxyenv.DefaultComposeServices(), got.Services)
	require.Equal(t, []string{"repo_db", "repo_api", "repo_worker"}, got.All)
	env, err := got.DotEnv(nil)
	require.NoError(t, err)
	require.Contains(t, string(env), "PROXYKIT_NO_PROXY=.corp,localhost,127.0.0.1,repo_db,repo_api,repo_worker\n")
	out, err := got.File([]byte(composeProject))
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(out), "HTTP_PROXY: ${PROXYKIT_HTTP_PROXY}"), "repo_api and repo_worker")
	require.Empty(t, got.Warnings, "no credentials")
	require.Equal(t, ".corp", s.NoProxy.String(), "s itself is unchanged")

	_, err = s.ComposeProject([]byte(composeProject), "repo_api", "repo_nope")
	require.ErrorIs(t, err, proxyenv.ErrNoService)
	var fe *proxyenv.FormatError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "services.repo_nope", fe.Item)
	require.Contains(t, err.Error(), "the file has repo_db, repo_api, repo_worker")

	_, err = s.ComposeProject([]byte("version: '1'\n"))
	require.ErrorIs(t, err, proxyenv.ErrMalformed)
}

// TestComposeTrustOverride: the file is ours whole, so it is written
// whole, the same twice; one proxykit did not write is refused with the
// volumes to add by hand; a service name YAML would read otherwise is
// refused.
func TestComposeTrustOverride(t *testing.T) {
	edit, err := proxyenv.ComposeTrustOverride("repo_api")
	require.NoError(t, err)
	once, err := edit(nil)
	require.NoError(t, err)
	twice, err := edit(once)
	require.NoError(t, err)
	require.Equal(t, string(once), string(twice))
	_, err = edit([]byte("services:\n  repo_api:\n    ports: [8086]\n"))
	require.ErrorContains(t, err, "not written by proxykit; add these volumes to it by hand:\n")
	require.ErrorContains(t, err, "\nservices:\n  repo_api:\n    volumes:\n")
	_, err = proxyenv.ComposeTrustOverride("repo_api", "x: y")
	require.ErrorIs(t, err, proxyenv.ErrUnsafeValue)
}

// TestComposeTrustCommand: one marker per CA, the middle line of its PEM
// body, whatever surrounds the blocks.
func TestComposeTrustCommand(t *testing.T) {
	pem := "# Corp CA\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\nBBBB\r\nCCCC\r\n-----END CERTIFICATE-----\r\n" +
		"junk\n-----BEGIN CERTIFICATE-----\nDDDD\nEEEE\n-----END CERTIFICATE-----\n"
	argv := proxyenv.ComposeTrustCommand([]byte(pem))
	require.Equal(t, []string{"sh", "-c"}, argv[:2])
	require.Equal(t, []string{"sh", proxyenv.ContainerCondaBundle, proxyenv.ContainerAnchor, proxyenv.ContainerSystemBundle, "BBBB", "EEEE"}, argv[3:])
	require.Len(t, proxyenv.ComposeTrustCommand(nil), 7, "no CA, no marker")
}

func ExampleSettings_ComposeProject() {
	p, err := exampleSettings().ComposeProject([]byte(composeProject), "repo_api")
	if err != nil {
		panic(err)
	}
	env, err := p.DotEnv(nil) // write it 0600
	if err != nil {
		panic(err)
	}
	fmt.Println("services", p.Services, "of", p.All)
	fmt.Print(string(env))
	for _, w := range p.Warnings {
		fmt.Println("warning:", w.Message[:43]+"…")
	}
	// Output:
	// services [repo_api] of [repo_db repo_api repo_worker]
	// PROXYKIT_HTTP_PROXY=http://svc:p%40ss%241@proxy.corp:3128
	// PROXYKIT_HTTPS_PROXY=http://svc:p%40ss%241@proxy.corp:3128
	// PROXYKIT_NO_PROXY=localhost,.corp,mirror.corp,127.0.0.1,repo_db,repo_api,repo_worker
	// warning: the containers' environment holds the proxy…
}

func ExampleComposeTrustOverride() {
	edit, err := proxyenv.ComposeTrustOverride("repo_api")
	if err != nil {
		panic(err)
	}
	out, err := edit(nil)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// # Written by proxykit (docker-host -compose); undo removes it.
	// # The proxy's CA for the containers, mounted read-only so that it survives
	// # recreating them: the bundle over conda's and the system's, which needs no
	// # update-ca-trust at start, and the CA as the system's anchor.
	// services:
	//   repo_api:
	//     volumes:
	//       - ./proxykit/cacert.pem:/conda/ssl/cacert.pem:ro
	//       - ./proxykit/cacert.pem:/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem:ro
	//       - ./proxykit/proxy-ca.pem:/usr/share/pki/ca-trust-source/anchors/proxykit-proxy-ca.pem:ro
}

// TestComposeProjectCommands: up -d of each service, then with CAs the
// trust step in each; the override named when asked for or when the CAs
// need its mounts.
func TestComposeProjectCommands(t *testing.T) {
	p, err := proxyenv.Settings{}.ComposeProject([]byte(composeProject))
	require.NoError(t, err)
	base := "docker-compose --project-directory /opt/repo -f /opt/repo/docker-compose.yml"
	withOverride := base + " -f /opt/repo/docker-compose.override.yml"
	pem := []byte("-----BEGIN CERTIFICATE-----\nAAAA\nBBBB\nCCCC\n-----END CERTIFICATE-----\n")
	trust := strings.Join(proxyenv.ComposeTrustCommand(pem), " ")
	tests := []struct {
		name     string
		override bool
		pem      []byte
		want     []string
	}{
		{"no CA, no override", false, nil, []string{
			"up repo_api: " + base + " up -d repo_api", "up repo_worker: " + base + " up -d repo_worker"}},
		{"the project's own override", true, nil, []string{
			"up repo_api: " + withOverride + " up -d repo_api", "up repo_worker: " + withOverride + " up -d repo_worker"}},
		{"a CA: the override, and the trust step after every up", false, pem, []string{
			"up repo_api: " + withOverride + " up -d repo_api", "up repo_worker: " + withOverride + " up -d repo_worker",
			"trust repo_api: " + withOverride + " exec -T repo_api " + trust, "trust repo_worker: " + withOverride + " exec -T repo_worker " + trust}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range p.Commands("/opt/repo/docker-compose.yml", tt.override, tt.pem) {
				got = append(got, c.Name+": "+strings.Join(c.Argv, " "))
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// TestComposeTrustOverrideReadByDockerCompose runs the real docker-compose's
// "config" on a project with the override: it merges it, by itself, into
// the services named, each of which gets the three mounts read-only and
// keeps its own volumes; other services get none.
func TestComposeTrustOverrideReadByDockerCompose(t *testing.T) {
	compose := oracle.Require(t, "docker-compose")
	t.Logf("oracle: %s", oracle.Version(compose, "version", "--short"))
	dir := t.TempDir()
	project := composeProject + "    volumes:\n      - ./data:/var/lib/repo\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(project), 0o644))
	edit, err := proxyenv.ComposeTrustOverride("repo_api", "repo_worker")
	require.NoError(t, err)
	override, err := edit(nil)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, proxyenv.ComposeOverrideFile), override, 0o644))

	cmd := exec.Command(compose, "--no-ansi", "config")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "docker-compose config: %s", stderr.String())
	var cfg struct {
		Services map[string]struct {
			Volumes []any `yaml:"volumes"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(out, &cfg))
	volumes := func(svc string) []string {
		var vs []string
		for _, v := range cfg.Services[svc].Volumes {
			switch v := v.(type) {
			case string: // docker-compose 1.x
				vs = append(vs, strings.ReplaceAll(v, dir, "."))
			case map[string]any: // 2.x
				mode := "rw"
				if ro, _ := v["read_only"].(bool); ro {
					mode = "ro"
				}
				vs = append(vs, strings.ReplaceAll(fmt.Sprint(v["source"]), dir, ".")+":"+fmt.Sprint(v["target"])+":"+mode)
			}
		}
		slices.Sort(vs)
		return vs
	}
	mounts := []string{
		"./proxykit/cacert.pem:" + proxyenv.ContainerCondaBundle + ":ro",
		"./proxykit/cacert.pem:" + proxyenv.ContainerSystemBundle + ":ro",
		"./proxykit/proxy-ca.pem:" + proxyenv.ContainerAnchor + ":ro",
	}
	require.Equal(t, mounts, volumes("repo_api"))
	require.Equal(t, slices.Sorted(slices.Values(append(slices.Clone(mounts), "./data:/var/lib/repo:rw"))), volumes("repo_worker"), "its own volume kept")
	require.Empty(t, volumes("repo_db"))
}

// TestComposeTrustCommandInAContainer runs the command with sh, the
// container's paths moved to a directory: the CA is appended to conda's
// bundle where it lacks it, update-ca-trust runs only where the system
// bundle lacks it, and a second run changes nothing and runs nothing.
func TestComposeTrustCommandInAContainer(t *testing.T) {
	sh := oracle.Require(t, "sh")
	ca := "-----BEGIN CERTIFICATE-----\nAAAA\nBBBB\nCCCC\n-----END CERTIFICATE-----\n"
	other := "-----BEGIN CERTIFICATE-----\nXXXX\nYYYY\n-----END CERTIFICATE-----\n"
	for _, tt := range []struct {
		name                 string
		conda, system        string
		wantConda, wantCalls string
	}{
		{"a container that kept running", other, other, other + ca, "update-ca-trust\n"},
		{"a container with the override's mounts", other + ca, other + ca, other + ca, ""},
		{"conda's bundle only lacks it", other, other + ca, other + ca, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, s string, mode os.FileMode) string {
				p := filepath.Join(dir, name)
				require.NoError(t, os.WriteFile(p, []byte(s), mode))
				return p
			}
			conda, anchor, system := write("conda.pem", tt.conda, 0o644), write("anchor.pem", ca, 0o644), write("system.pem", tt.system, 0o644)
			log := filepath.Join(dir, "log")
			bin := filepath.Join(dir, "bin")
			require.NoError(t, os.Mkdir(bin, 0o755))
			write("bin/update-ca-trust", "#!/bin/sh\necho update-ca-trust >>"+log+"\n", 0o755)
			argv := proxyenv.ComposeTrustCommand([]byte(ca))
			require.Equal(t, []string{proxyenv.ContainerCondaBundle, proxyenv.ContainerAnchor, proxyenv.ContainerSystemBundle}, argv[4:7])
			argv[4], argv[5], argv[6] = conda, anchor, system
			run := func() {
				cmd := exec.Command(sh, argv[1:]...)
				cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH")}
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s", out)
			}
			run()
			got, err := os.ReadFile(conda)
			require.NoError(t, err)
			require.Equal(t, tt.wantConda, string(got))
			calls, _ := os.ReadFile(log)
			require.Equal(t, tt.wantCalls, string(calls))
			// The system bundle as update-ca-trust would leave it; then
			// again: nothing changes, nothing runs.
			write("system.pem", other+ca, 0o644)
			require.NoError(t, os.RemoveAll(log))
			run()
			again, err := os.ReadFile(conda)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again))
			require.NoFileExists(t, log)
		})
	}
}

// FuzzComposeTrustCommand: whatever the PEM, the command keeps its fixed
// head, and each marker is one non-empty line that the PEM holds.
func FuzzComposeTrustCommand(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\nBBBB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("# label\r\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, pem []byte) {
		argv := proxyenv.ComposeTrustCommand(pem)
		require.GreaterOrEqual(t, len(argv), 7)
		require.Equal(t, []string{proxyenv.ContainerCondaBundle, proxyenv.ContainerAnchor, proxyenv.ContainerSystemBundle}, argv[4:7])
		require.LessOrEqual(t, len(argv)-7, strings.Count(string(pem), "-----END "))
		for _, m := range argv[7:] {
			require.NotEmpty(t, m)
			require.NotContains(t, m, "\n")
			require.Contains(t, string(pem), m)
		}
	})
}
