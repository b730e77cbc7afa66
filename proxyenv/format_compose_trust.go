package proxyenv

import (
	"bytes"
	"fmt"
	"strings"
)

// The CA of a TLS-intercepting proxy in the containers of a docker-compose
// project, so that a container recreated later still trusts it with nothing
// run at its start: the files go to [ComposeTrustDir] in the project,
// [ComposeTrustOverride] mounts them read-only, and [ComposeTrustCommand]
// puts the CA into a container that was not recreated. The container paths
// are those of Anaconda Server's images, which keep conda's bundle in
// /conda/ssl and use the RHEL trust store, whose clients (OpenSSL, Python's
// ssl, curl; /etc/pki/tls/certs/ca-bundle.crt and /etc/pki/tls/cert.pem are
// links to it) read the PEM bundle update-ca-trust extracts.
const (
	// ComposeOverrideFile is the file docker-compose merges into
	// docker-compose.yml by itself, next to it. With -f, docker-compose
	// reads it only when named.
	ComposeOverrideFile = "docker-compose.override.yml"
	// ComposeTrustDir is the directory, in the project's, that holds the
	// files mounted: proxy-ca.pem, the CAs alone, and cacert.pem, a bundle
	// holding them.
	ComposeTrustDir = "proxykit"
	// ContainerCondaBundle is conda's CA bundle in the containers.
	ContainerCondaBundle = "/conda/ssl/cacert.pem"
	// ContainerAnchor is the CA as the system store's anchor in the
	// containers.
	ContainerAnchor = "/usr/share/pki/ca-trust-source/anchors/proxykit-proxy-ca.pem"
	// ContainerSystemBundle is the bundle update-ca-trust extracts in the
	// containers, which OpenSSL, Python and curl read.
	ContainerSystemBundle = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
)

const composeOverrideHeader = "# Written by proxykit (docker-host -compose); undo removes it.\n"

// ComposeTrustOverride returns the edit of the project's
// docker-compose.override.yml ([ComposeOverrideFile]) that mounts, into
// each service, ComposeTrustDir/cacert.pem over [ContainerCondaBundle] and
// [ContainerSystemBundle], and ComposeTrustDir/proxy-ca.pem as
// [ContainerAnchor], all read-only. The file is written whole; one this
// package did not write is refused, with the volumes to merge into it by
// hand.
//
// The bundle is mounted over the system bundle too, so that the trust
// survives recreating a container with nothing run at its start: a start
// wrapper would replace the image's entrypoint and command (which compose
// resets together, and which the image may change), and needs root in the
// container for update-ca-trust; Anaconda Server has no setting of its own
// for a CA. The anchor stays mounted so that an update-ca-trust run in the
// container by hand puts the CA in the other formats it extracts (Java's
// cacerts, OpenSSL's trust bundle).
func ComposeTrustOverride(services ...string) (Edit, error) {
	var b strings.Builder
	b.WriteString(composeOverrideHeader)
	b.WriteString("# The proxy's CA for the containers, mounted read-only so that it survives\n# recreating them: the bundle over conda's and the system's, which needs no\n# update-ca-trust at start, and the CA as the system's anchor.\nservices:\n")
	for _, svc := range services {
		if err := checkServiceName(svc); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  %s:\n    volumes:\n", svc)
		fmt.Fprintf(&b, "      - ./%s/cacert.pem:%s:ro\n", ComposeTrustDir, ContainerCondaBundle)
		fmt.Fprintf(&b, "      - ./%s/cacert.pem:%s:ro\n", ComposeTrustDir, ContainerSystemBundle)
		fmt.Fprintf(&b, "      - ./%s/proxy-ca.pem:%s:ro\n", ComposeTrustDir, ContainerAnchor)
	}
	want := b.String()
	return func(old []byte) ([]byte, error) {
		if old != nil && !bytes.HasPrefix(old, []byte(composeOverrideHeader)) {
			return nil, fmt.Errorf("%s: not written by proxykit; add these volumes to it by hand:\n%s", ComposeOverrideFile, want[len(composeOverrideHeader):])
		}
		return []byte(want), nil
	}, nil
}

// composeTrustScript runs in a container: $1 is conda's bundle, $2 the
// anchor holding the CAs, $3 the system bundle, $4… a line of each CA's
// PEM. The anchor is appended to conda's bundle only when a CA is missing
// from it, and update-ca-trust runs only when a CA is missing from the
// system bundle, so that running it twice changes nothing. In a container
// the override mounts both bundles into, both hold the CAs already: nothing
// is appended (the mount is read-only) and update-ca-trust, which could not
// replace the mounted file, does not run.
const composeTrustScript = `b=$1 a=$2 s=$3; shift 3; for m; do grep -qF -- "$m" "$b" || { cat "$a" >>"$b"; break; }; done; for m; do grep -qF -- "$m" "$s" || { update-ca-trust; break; }; done`

// ComposeTrustCommand returns the command to run in a container of the
// project (after docker-compose exec -T SERVICE), once the containers are
// (re)created, for the CAs of pem: the CAs appended to
// [ContainerCondaBundle] from [ContainerAnchor] where one is missing (a
// container that kept running), and update-ca-trust run where
// [ContainerSystemBundle] lacks one. Each CA is recognized by a line from
// the middle of its PEM body. In a container with the override's mounts it
// changes nothing, and running it twice changes nothing.
func ComposeTrustCommand(pem []byte) []string {
	argv := []string{"sh", "-c", composeTrustScript, "sh", ContainerCondaBundle, ContainerAnchor, ContainerSystemBundle}
	var body []string
	in := false
	for _, l := range strings.Split(string(pem), "\n") {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "-----BEGIN "):
			in, body = true, nil
		case strings.HasPrefix(l, "-----END "):
			if in && len(body) > 0 {
				argv = append(argv, body[len(body)/2])
			}
			in = false
		case in && l != "":
			body = append(body, l)
		}
	}
	return argv
}
