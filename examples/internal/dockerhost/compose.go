package dockerhost

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/edit"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// planCompose gives the services of the docker-compose project -compose
// names (-service, by default Anaconda Server's repo_api and repo_worker)
// the proxy: ${…} references in the compose file, the values in the
// project's .env (0600), no_proxy holding every service of the project so
// that the containers reach each other directly; then "docker-compose up -d"
// of each service, which recreates its container with the new environment.
// The edits themselves live in proxyenv (Settings.ComposeFile and
// Settings.ComposeDotEnv).
func (o *options) planCompose(n *node.Node, s proxyenv.Settings, certs []*truststore.Certificate) error {
	if o.compose == "" {
		if len(o.services) > 0 || len(o.serverList) > 0 {
			return fmt.Errorf("%w: -service and -server-mirror belong to a -compose project: give -compose too", node.ErrUsage)
		}
		return nil
	}
	file := strings.TrimPrefix(path.Clean("/"+o.compose), "/")
	b, err := n.ReadFile(file)
	if err != nil {
		return fmt.Errorf("-compose: %w", err)
	}
	names, err := proxyenv.ComposeServiceNames(b)
	if err != nil {
		return fmt.Errorf("-compose /%s: %w", file, err)
	}
	services := o.services
	if len(services) == 0 {
		services = proxyenv.DefaultComposeServices()
	}
	for _, svc := range services {
		if !slices.Contains(names, svc) {
			return fmt.Errorf("%w: -service %q: /%s has no such service (it has %s)", node.ErrUsage, quote.Bounded(svc), file, strings.Join(names, ", "))
		}
	}
	s.NoProxy = s.NoProxy.Merge(proxyenv.ParseNoProxy("localhost,127.0.0.1," + strings.Join(names, ",")))
	composeEdit, warns, err := s.ComposeFile(services...)
	if err != nil {
		return err
	}
	envEdit, _, err := s.ComposeDotEnv()
	if err != nil {
		return err
	}
	dir := path.Dir(file)
	compose := []string{"docker-compose", "--project-directory", "/" + dir, "-f", "/" + file}
	if len(certs) > 0 || n.Exists(path.Join(dir, composeOverride)) {
		// With -f, docker-compose reads no override by itself: name it,
		// ours or the project's own.
		compose = append(compose, "-f", "/"+path.Join(dir, composeOverride))
	}
	var actions []string
	for _, svc := range services {
		actions = append(actions, n.Action("compose up "+svc, append(slices.Clone(compose), "up", "-d", svc)...))
	}
	if len(certs) > 0 {
		// After the containers are (re)created: the CA in conda's bundle
		// where it is missing (a container that kept running), and the
		// system store rebuilt from the mounted anchor where its bundle
		// lacks the CA; in a container with the override's mounts both
		// hold it already, and the step changes nothing.
		for _, svc := range services {
			argv := append(slices.Clone(compose), "exec", "-T", svc, "sh", "-c", containerTrustScript, "sh", containerCondaBundle, containerAnchor, containerSystemBundle)
			for _, c := range certs {
				argv = append(argv, pemMarker(c))
			}
			actions = append(actions, n.Action("compose trust "+svc, argv...))
		}
	}
	n.WarnFormat(file, warns)
	n.Note("docker-compose project /%s: services %s", dir, strings.Join(services, ", "))
	n.Edit(plan.Step{Path: file, Edit: composeEdit, Actions: actions,
		Why: "the proxy for " + strings.Join(services, " and ") + ", as ${…} references to .env"})
	n.Edit(plan.Step{Path: path.Join(dir, ".env"), Edit: envEdit, Secret: s.HasCredentials(), Mode: 0o600, Actions: actions,
		Why: "the proxy values docker-compose puts in the references"})
	if err := planServerMirrors(n, dir, o.serverList); err != nil {
		return err
	}
	if len(certs) == 0 {
		return nil
	}
	n.Edit(plan.Step{Path: path.Join(dir, composeCADir, "proxy-ca.pem"), Edit: caFile(certs), Mode: 0o644, Actions: actions,
		Why: "the proxy's CA, mounted as the containers' trust anchor"})
	n.Edit(plan.Step{Path: path.Join(dir, composeCADir, "cacert.pem"), Edit: seededBundle(composeBundleSeed(n), certs), Mode: 0o644, Actions: actions,
		Why: "a CA bundle with the proxy's CA, mounted over " + containerCondaBundle + " and " + containerSystemBundle})
	n.Edit(plan.Step{Path: path.Join(dir, composeOverride), Edit: overrideEdit(services), Mode: 0o644, Actions: actions,
		Why: "mounts the CA into " + strings.Join(services, " and ") + " read-only, so that it survives recreating them"})
	return nil
}

// The container side of the CA: Anaconda Server's images keep conda's
// bundle in /conda/ssl and use the RHEL trust store, whose clients (OpenSSL,
// Python's ssl, curl; /etc/pki/tls/certs/ca-bundle.crt and
// /etc/pki/tls/cert.pem are links to it) read the PEM bundle
// update-ca-trust extracts.
const (
	composeOverride       = "docker-compose.override.yml" // read by docker-compose next to docker-compose.yml
	composeCADir          = "proxykit"                    // in the project directory
	containerCondaBundle  = "/conda/ssl/cacert.pem"
	containerAnchor       = "/usr/share/pki/ca-trust-source/anchors/proxykit-proxy-ca.pem"
	containerSystemBundle = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
	overrideHeader        = "# Written by proxykit (docker-host -compose); undo removes it.\n"
)

// containerTrustScript runs in a container: $1 is conda's bundle, $2 the
// anchor holding the CAs, $3 the system bundle, $4… a line of each CA's
// PEM. The anchor is appended to conda's bundle only when a CA is missing
// from it, and update-ca-trust runs only when a CA is missing from the
// system bundle, so that running it twice changes nothing. In a container
// the override mounts both bundles into, both hold the CAs already: nothing
// is appended (the mount is read-only) and update-ca-trust, which could not
// replace the mounted file, does not run.
const containerTrustScript = `b=$1 a=$2 s=$3; shift 3; for m; do grep -qF -- "$m" "$b" || { cat "$a" >>"$b"; break; }; done; for m; do grep -qF -- "$m" "$s" || { update-ca-trust; break; }; done`

// pemMarker returns a line from the middle of a certificate's PEM body: a
// bundle holding the certificate holds that line.
func pemMarker(c *truststore.Certificate) string {
	var body []string
	for _, l := range strings.Split(string(c.PEM()), "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			body = append(body, l)
		}
	}
	return body[len(body)/2]
}

// caFile is the edit of a file that holds the CAs and nothing else.
func caFile(certs []*truststore.Certificate) edit.Edit {
	return func([]byte) ([]byte, error) {
		var b []byte
		for _, c := range certs {
			b = append(b, c.PEM()...)
		}
		return b, nil
	}
}

// composeBundleSeed returns the bundle the containers' bundle starts from
// when proxykit/cacert.pem does not exist yet (one that does is kept, the
// CAs added): the host's conda bundle (certifi's copy of Mozilla's roots,
// like the image's conda bundle), else the host's system bundle (Mozilla's
// roots too, as the image's RHEL one is). It cannot be the image's own: the
// plan shows the file's content before anything runs, and reading the image
// takes a Docker engine, which planning never touches; a step at apply time
// that read it would write other bytes than the plan showed. To start from
// the image's own, copy it to proxykit/cacert.pem before the first apply.
func composeBundleSeed(n *node.Node) []byte {
	var candidates []string
	condas, _ := truststore.DiscoverConda(n.FS, nil)
	for _, c := range condas {
		candidates = append(candidates, path.Join(c.Prefix, "ssl/cacert.pem"))
	}
	if l, ok := truststore.DetectLayout(n.FS); ok {
		candidates = append(candidates, l.Bundle)
	}
	for _, c := range candidates {
		if b, err := n.ReadFile(c); err == nil {
			return b
		}
	}
	return nil
}

// seededBundle is the edit of a bundle that starts as seed when absent and
// holds every CA.
func seededBundle(seed []byte, certs []*truststore.Certificate) edit.Edit {
	return func(old []byte) ([]byte, error) {
		b := old
		if b == nil {
			b = bytes.Clone(seed)
		}
		for _, c := range certs {
			var err error
			if b, err = truststore.AddToBundle(c)(b); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
}

// overrideEdit is the edit of the project's docker-compose.override.yml,
// which docker-compose merges into docker-compose.yml by itself: the CA
// files mounted read-only into each service. The file is ours whole; one
// that proxykit did not write is refused, to be merged by hand.
//
// The bundle is mounted over the system bundle too, so that the trust
// survives recreating a container with nothing run at its start: a start
// wrapper would replace the image's entrypoint and command (which compose
// resets together, and which the image may change), and needs root in the
// container for update-ca-trust; Anaconda Server has no setting of its own
// for a CA. The anchor stays mounted so that an update-ca-trust run in the
// container by hand puts the CA in the other formats it extracts (Java's
// cacerts, OpenSSL's trust bundle).
func overrideEdit(services []string) edit.Edit {
	var b strings.Builder
	b.WriteString(overrideHeader)
	b.WriteString("# The proxy's CA for the containers, mounted read-only so that it survives\n# recreating them: the bundle over conda's and the system's, which needs no\n# update-ca-trust at start, and the CA as the system's anchor.\nservices:\n")
	for _, svc := range services {
		fmt.Fprintf(&b, "  %s:\n    volumes:\n", svc)
		fmt.Fprintf(&b, "      - ./%s/cacert.pem:%s:ro\n", composeCADir, containerCondaBundle)
		fmt.Fprintf(&b, "      - ./%s/cacert.pem:%s:ro\n", composeCADir, containerSystemBundle)
		fmt.Fprintf(&b, "      - ./%s/proxy-ca.pem:%s:ro\n", composeCADir, containerAnchor)
	}
	want := b.String()
	return func(old []byte) ([]byte, error) {
		if old != nil && !bytes.HasPrefix(old, []byte(overrideHeader)) {
			return nil, fmt.Errorf("%s: not written by proxykit; add these volumes to it by hand:\n%s", composeOverride, want[len(overrideHeader):])
		}
		return []byte(want), nil
	}
}
