package proxyenv_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"HTTP_PROXY=http://proxy:3128": "HTTP_PROXY=http://proxy:3128",
		"NO_PROXY=*.corp,localhost":    "'NO_PROXY=*.corp,localhost'",
		"X=it's":                       `'X=it'\''s'`,
		"":                             "''",
	} {
		assert.Equal(t, want, proxyenv.ShellWord(in), in)
	}
}

// TestDockerfileNeverHoldsCredentials: with a proxy that carries a
// password, no form of it is in the lines, the build args are declared
// nowhere, apt's proxy file is left out and the build command names the
// arguments without values.
func TestDockerfileNeverHoldsCredentials(t *testing.T) {
	const pw = "p@ss w0rd$"
	p, err := proxyenv.ParseProxy("http://svc@proxy.corp:3128")
	require.NoError(t, err)
	p.Password = proxyenv.NewSecret(pw)
	s := proxyenv.Settings{HTTPProxy: &p, NoProxy: proxyenv.ParseNoProxy("localhost")}
	for _, family := range []string{"debian", "rhel", "suse", "alpine"} {
		t.Run(family, func(t *testing.T) {
			out, warns, err := s.Dockerfile(proxyenv.Dockerfile{Family: family, By: "test"})
			require.NoError(t, err)
			for _, secret := range []string{pw, proxyenv.EscapeUserinfo(pw)} {
				require.NotContains(t, string(out), secret)
			}
			require.NotContains(t, string(out), "\nARG ")
			require.NotContains(t, string(out), proxyenv.AptConfPath)
			require.Contains(t, string(out), "--build-arg HTTP_PROXY \\\n")
			require.Len(t, warns, 1, "the build args carry credentials")
		})
	}
}

func ExampleSettings_Dockerfile() {
	p, err := proxyenv.ParseProxy("http://proxy.corp:3128")
	if err != nil {
		panic(err)
	}
	s := proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p}
	out, _, err := s.Dockerfile(proxyenv.Dockerfile{
		Family: "rhel",
		CA:     []byte("-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n"),
		Labels: []string{`"Corp Proxy Root CA" (SHA-256 ED:0B:…)`},
		Anchor: "/etc/pki/ca-trust/source/anchors/corp.crt",
		Update: []string{"update-ca-trust", "extract"},
		By:     "an example",
	})
	if err != nil {
		panic(err)
	}
	// The lines after the header.
	_, body, _ := strings.Cut(string(out), "Paste them after FROM.\n\n")
	fmt.Print(body)
	// Output:
	// # The proxy. HTTP_PROXY, HTTPS_PROXY, FTP_PROXY, NO_PROXY and their lower-case
	// # forms are Docker's predefined build args: every RUN sees them, and docker
	// # history does not show them unless the Dockerfile declares them with ARG.
	// # Never set them with ENV: ENV is stored in the image and in every container.
	// ARG HTTP_PROXY
	// ARG http_proxy
	// ARG HTTPS_PROXY
	// ARG https_proxy
	//
	// # The proxy's CA in the system store, then the store rebuilt.
	// COPY <<'EOF' /etc/pki/ca-trust/source/anchors/corp.crt
	// -----BEGIN CERTIFICATE-----
	// …
	// -----END CERTIFICATE-----
	// EOF
	// RUN update-ca-trust extract
	// # "Corp Proxy Root CA" (SHA-256 ED:0B:…)
	//
	// # yum and dnf read the proxy from the build args above.
	//
	// # Build with (the values come from your shell where they carry credentials):
	// #   docker build \
	// #     --build-arg HTTP_PROXY=http://proxy.corp:3128 \
	// #     --build-arg http_proxy=http://proxy.corp:3128 \
	// #     --build-arg HTTPS_PROXY=http://proxy.corp:3128 \
	// #     --build-arg https_proxy=http://proxy.corp:3128 \
	// #     .
}
