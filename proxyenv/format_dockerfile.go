package proxyenv

import (
	"fmt"
	"path"
	"strings"
)

// AptConfPath is the file, relative to the root, that proxykit's programs
// write apt's proxy to ([Settings.AptConf]), on a node and in an image.
const AptConfPath = "etc/apt/apt.conf.d/80proxykit-proxy"

// Dockerfile says what image [Settings.Dockerfile] writes lines for.
type Dockerfile struct {
	// Family is the image's distribution family, as truststore.Layout names
	// it: "debian" (and Ubuntu), "rhel" (CentOS, Fedora), "suse" or
	// "alpine". It chooses how ca-certificates is installed and whether
	// apt's proxy file is written.
	Family string
	// CA is the certificate authorities' PEM, written into Anchor; nil for
	// none.
	CA []byte
	// Labels name each CA in a comment after the update command, one line
	// each: `"Corp Proxy Root CA" (SHA-256 ED:0B:…)`.
	Labels []string
	// Anchor is the absolute path in the image of the file that holds the
	// CAs, in the system store's anchor directory:
	// "/usr/local/share/ca-certificates/corporate_proxy.crt".
	Anchor string
	// Update is the command that rebuilds the system store from its
	// anchors: ["update-ca-certificates"].
	Update []string
	// CondaPrefix is a conda installation in the image whose bundles, conda's
	// and certifi's, get the CAs appended: "/opt/conda"; "" for none.
	CondaPrefix string
	// By names what wrote the lines, in their header: "docker-host dockerfile".
	By string
}

// Dockerfile returns the lines a Dockerfile needs, after FROM, to build an
// image behind the proxy, and the docker build command that goes with
// them: the proxy as Docker's predefined build args (declared with ARG only
// when they carry no credentials), the CAs into the system store with its
// update command, apt's proxy file for later apt runs (Debian family,
// without credentials), the CAs appended to conda's and certifi's bundles,
// and the build command with a --build-arg each ([Settings.DockerBuildArgs]).
//
// No credential is ever written: where the proxy carries one, the lines
// that would hold it are left out and the build arguments are named without
// values, for docker build to take from the environment. The warnings are
// those of [Settings.DockerBuildArgs] and [Settings.AptConf].
func (s Settings) Dockerfile(d Dockerfile) ([]byte, []Warning, error) {
	var b strings.Builder
	creds := s.HasCredentials()
	args, warns := s.DockerBuildArgs()
	proxy := s.HTTPSProxy
	if proxy == nil {
		proxy = s.HTTPProxy
	}
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	w("# syntax=docker/dockerfile:1\n")
	w("# ^ first line of the Dockerfile: the COPY <<EOF lines below need it (BuildKit).\n")
	w("#\n# Lines for an image (%s family) built behind %s, by %s.\n", d.Family, proxy, d.By)
	w("# Paste them after FROM.\n\n")

	w("# The proxy. HTTP_PROXY, HTTPS_PROXY, FTP_PROXY, NO_PROXY and their lower-case\n")
	w("# forms are Docker's predefined build args: every RUN sees them, and docker\n")
	w("# history does not show them unless the Dockerfile declares them with ARG.\n")
	w("# Never set them with ENV: ENV is stored in the image and in every container.\n")
	if creds {
		w("# The proxy carries credentials, so they are not declared here.\n")
	} else {
		for _, a := range args {
			n, _, _ := strings.Cut(a, "=")
			w("ARG %s\n", n)
		}
	}
	w("\n")

	ca := len(d.CA) > 0
	if ca {
		w("# The proxy's CA in the system store, then the store rebuilt.\n")
		switch d.Family {
		case "debian":
			w("# (ca-certificates must be installed; apt reaches plain-http mirrors without it.)\n")
			w("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\n")
		case "alpine":
			w("RUN apk add --no-cache ca-certificates\n")
		}
		w("COPY <<'EOF' %s\n%s", d.Anchor, d.CA)
		if !strings.HasSuffix(string(d.CA), "\n") {
			w("\n")
		}
		w("EOF\n")
		w("RUN %s\n", strings.Join(d.Update, " "))
		w("# %s\n\n", strings.Join(d.Labels, "\n# "))
	}

	switch d.Family {
	case "debian":
		w("# apt reads the proxy from the build args above. Its own proxy file is only\n")
		w("# needed for apt runs after the build")
		if creds {
			w(", and would keep the credentials in a\n# layer: it is left out. Give containers the proxy at run time instead.\n\n")
			break
		}
		edit, aptWarns, err := s.AptConf()
		if err != nil {
			return nil, nil, err
		}
		warns = append(warns, aptWarns...)
		conf, err := edit(nil)
		if err != nil {
			return nil, nil, err
		}
		w(":\nCOPY <<'EOF' /%s\n%sEOF\n\n", AptConfPath, conf)
	case "rhel":
		w("# yum and dnf read the proxy from the build args above.\n\n")
	}

	if d.CondaPrefix != "" && ca {
		prefix := path.Clean("/" + d.CondaPrefix)
		w("# conda keeps its own CA bundle, and certifi (requests, pip) another: append\n")
		w("# the CA to each, after the missing final newline, if any.\n")
		w("RUN for b in %s/ssl/cacert.pem %s/lib/python3*/site-packages/certifi/cacert.pem; do \\\n", prefix, prefix)
		w("      [ -f \"$b\" ] || continue; sed -i -e '$a\\' \"$b\"; cat %s >> \"$b\"; \\\n", d.Anchor)
		w("    done\n")
		w("# conda reads the proxy from the build args too; a per-mirror proxy belongs in a\n")
		w("# .condarc given at run time, not in the image.\n\n")
	}

	w("# Build with (the values come from your shell where they carry credentials):\n")
	if creds {
		w("#   export")
		for _, a := range args {
			n, _, _ := strings.Cut(a, "=")
			w(" %s", n)
		}
		w("   # set in your shell first\n")
	}
	w("#   docker build")
	for _, a := range args {
		if creds {
			a, _, _ = strings.Cut(a, "=")
		}
		w(" \\\n#     --build-arg %s", shellWord(a))
	}
	w(" \\\n#     .\n")
	return []byte(b.String()), warns, nil
}

// shellWord quotes s for a POSIX shell when it holds anything but letters,
// digits and "_.,:/@%+=-".
func shellWord(s string) string {
	safe := s != ""
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		safe = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.,:/@%+=-", c) >= 0
	}
	if safe {
		return s
	}
	return shellQuote(s)
}
