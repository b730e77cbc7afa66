package proxyenv_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
