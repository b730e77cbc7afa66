package dockerhost

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// cmdDockerfile is the subcommand that prints what an image build needs.
const cmdDockerfile = "dockerfile"

// runDockerfile runs "docker-host dockerfile [flags]".
func runDockerfile(env node.Env, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name+" "+cmdDockerfile, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, as "docker-host: error: …"
	var opts node.Options
	opts.Register(fs)
	var ca node.CASources
	ca.Register(fs)
	family := fs.String("family", "debian", "the image's distribution `FAMILY`: debian (and ubuntu), rhel (and centos, fedora), suse or alpine")
	conda := fs.String("conda-prefix", "/opt/conda", "the conda installation `DIR` in the image whose bundles get the CA; empty for none")
	fs.Usage = func() {} // -h prints the usage to stdout; errors are reported once
	fail := func(err error) int {
		return node.Fail(name, cmdDockerfile, stdout, stderr, node.WantsJSON(args), err)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: %s %s [flags]\n\nPrints the Dockerfile lines and the docker build arguments an image build\nbehind the proxy needs. Nothing is written.\n\n%s\n\nflags:\n", name, cmdDockerfile, node.ExitStatuses)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return node.ExitOK
		}
		return fail(fmt.Errorf("%w: %v", node.ErrUsage, err))
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("%w: unexpected argument %q", node.ErrUsage, quote.Bounded(fs.Arg(0))))
	}
	cfg, err := opts.Config(env, true)
	if err != nil {
		return fail(err)
	}
	if len(cfg.CAAliases) > 0 {
		return fail(fmt.Errorf("%w: -ca-alias SOURCE=NAME: the Dockerfile puts every CA into one anchor, named by -ca-alias NAME", node.ErrUsage))
	}
	var notes []string
	fetched, err := ca.Fetch(cfg.Settings, nil, func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) })
	if err != nil {
		return fail(err)
	}
	certs, caWarns, err := node.ParseCAs(cfg, append(cfg.CAs, fetched...), time.Time{})
	if err != nil {
		return fail(err)
	}
	for _, w := range caWarns {
		notes = append(notes, "warning: "+w.String())
	}
	i := slices.IndexFunc(truststore.Layouts(), func(l truststore.Layout) bool { return l.Family == *family })
	if i < 0 {
		return fail(fmt.Errorf("%w: -family %q: want debian, rhel, suse or alpine", node.ErrUsage, quote.Bounded(*family)))
	}
	out, warns, err := dockerfile(cfg.Settings, certs, truststore.Layouts()[i], cfg.CAAlias, *conda)
	if err != nil {
		return fail(err)
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "%s: note: %s\n", name, n)
	}
	if _, err := io.WriteString(stdout, out); err != nil {
		return fail(err)
	}
	for _, w := range warns {
		fmt.Fprintf(stderr, "%s: warning: %s\n", name, w)
	}
	return node.ExitOK
}

// dockerfile returns the Dockerfile lines and the build command for an
// image of the given layout built behind s, trusting certs. No credential
// is ever written: where the proxy carries one, the lines that would hold it
// are left out and the build arguments are named without values, for docker
// build to take from the environment.
func dockerfile(s proxyenv.Settings, certs []*truststore.Certificate, layout truststore.Layout, alias, condaPrefix string) (string, []string, error) {
	var b strings.Builder
	var warns []string
	creds := s.HasCredentials()
	args, argWarns := s.DockerBuildArgs()
	for _, w := range argWarns {
		warns = append(warns, node.WarningText(w))
	}
	proxy := s.HTTPSProxy
	if proxy == nil {
		proxy = s.HTTPProxy
	}
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	w("# syntax=docker/dockerfile:1\n")
	w("# ^ first line of the Dockerfile: the COPY <<EOF lines below need it (BuildKit).\n")
	w("#\n# Lines for an image (%s family) built behind %s, by %s %s.\n", layout.Family, proxy, name, cmdDockerfile)
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

	if len(certs) > 0 {
		anchor := "/" + layout.AnchorPath(alias)
		w("# The proxy's CA in the system store, then the store rebuilt.\n")
		switch layout.Family {
		case "debian":
			w("# (ca-certificates must be installed; apt reaches plain-http mirrors without it.)\n")
			w("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\n")
		case "alpine":
			w("RUN apk add --no-cache ca-certificates\n")
		}
		w("COPY <<'EOF' %s\n", anchor)
		for _, c := range certs {
			w("%s", c.PEM())
		}
		w("EOF\n")
		w("RUN %s\n", strings.Join(layout.Update, " "))
		w("# %s\n\n", strings.Join(fingerprints(certs), "\n# "))
	}

	switch layout.Family {
	case "debian":
		w("# apt reads the proxy from the build args above. Its own proxy file is only\n")
		w("# needed for apt runs after the build")
		if creds {
			w(", and would keep the credentials in a\n# layer: it is left out. Give containers the proxy at run time instead.\n\n")
		} else {
			edit, aptWarns, err := s.AptConf()
			if err != nil {
				return "", nil, err
			}
			for _, w := range aptWarns {
				warns = append(warns, node.WarningText(w))
			}
			conf, err := edit(nil)
			if err != nil {
				return "", nil, err
			}
			w(":\nCOPY <<'EOF' /%s\n%sEOF\n\n", aptConfPath, conf)
		}
	case "rhel":
		w("# yum and dnf read the proxy from the build args above.\n\n")
	}

	if condaPrefix != "" && len(certs) > 0 {
		prefix := path.Clean("/" + condaPrefix)
		w("# conda keeps its own CA bundle, and certifi (requests, pip) another: append\n")
		w("# the CA to each, after the missing final newline, if any.\n")
		w("RUN for b in %s/ssl/cacert.pem %s/lib/python3*/site-packages/certifi/cacert.pem; do \\\n", prefix, prefix)
		w("      [ -f \"$b\" ] || continue; sed -i -e '$a\\' \"$b\"; cat %s >> \"$b\"; \\\n", "/"+layout.AnchorPath(alias))
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
	return b.String(), warns, nil
}

// fingerprints lists the certificates as "label (SHA-256 …)".
func fingerprints(certs []*truststore.Certificate) []string {
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = c.String()
	}
	return out
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
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
