package dockerhost

import (
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/dockerd"
	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// build plans the node: a Docker host, or with -image an image's root.
func (o *options) build(n *node.Node) error {
	describe(n) // first: the first note says what the node is
	if err := n.FetchCAs(&o.ca); err != nil {
		return err
	}
	certs, err := parseCAs(n, n.Config.CAs)
	if err != nil {
		return err
	}
	s := n.Config.Settings

	var bundles []string
	if o.image {
		if o.daemonJSON || o.envFile || len(o.users) > 0 || len(o.registries) > 0 {
			return fmt.Errorf("%w: -image configures no daemon and no client: leave out -daemon-json, -daemon-env-file, -user and -registry", node.ErrUsage)
		}
		if err := planImage(n, s, certs); err != nil {
			return err
		}
	} else {
		if o.daemonJSON && o.envFile {
			return fmt.Errorf("%w: -daemon-json and -daemon-env-file are two places for the daemon's proxy: choose one", node.ErrUsage)
		}
		if err := o.planDaemon(n, s); err != nil {
			return err
		}
		if err := o.planClients(n, s); err != nil {
			return err
		}
		if err := o.planRegistries(n, certs); err != nil {
			return err
		}
	}
	cb, err := o.planConda(n, s)
	if err != nil {
		return err
	}
	bundles = append(bundles, cb...)
	ca := node.CAOptions{Bundles: bundles}
	if !o.image {
		// dockerd reads the system's CAs once, when it starts.
		ca.ThenFor = n.RestartReaders([]node.CAReader{{Unit: dockerd.Unit, System: true}})
	}
	if err := node.AddCA(n, ca); err != nil {
		return err
	}
	if o.image && o.compose != "" {
		return fmt.Errorf("%w: -image has no docker-compose project: leave out -compose", node.ErrUsage)
	}
	return o.planCompose(n, s, certs)
}

// describe notes what the root is: its distribution and Docker.
func describe(n *node.Node) {
	osName := n.OSName()
	docker := "no dockerd found"
	for _, p := range []string{"usr/bin/dockerd", "usr/local/bin/dockerd", "usr/sbin/dockerd"} {
		if n.Exists(p) {
			docker = "Docker daemon /" + p
			break
		}
	}
	n.Note("%s; %s", osName, docker)
}

// planImage plans an image's or container's root: the package manager's
// proxy and the CA straight into the system bundle, since nothing runs the
// update command inside the root.
func planImage(n *node.Node, s proxyenv.Settings, certs []*truststore.Certificate) error {
	layout, ok := truststore.DetectLayout(n.FS)
	if !ok {
		n.Warn("-image", "unknown distribution (no etc/os-release): no package manager proxy is written, and the CA goes only where discovery finds stores")
	}
	secret := s.HasCredentials()
	switch layout.Family {
	case "debian":
		if err := n.AddFormat(proxyenv.AptConfPath, "apt's proxy", secret, 0, s.AptConf); err != nil {
			return err
		}
	case "rhel":
		p, f := proxyenv.YumConfPath, s.YumConf
		if n.Exists(proxyenv.DNFConfPath) {
			p, f = proxyenv.DNFConfPath, s.DNFConf
		}
		if err := n.AddFormat(p, "the package manager's proxy", secret, 0, f); err != nil {
			return err
		}
	}
	if secret {
		n.Warn("-image", "the image's files now hold the proxy credentials: every layer or image committed from this root keeps them; run undo before committing, or build with a proxy that needs none")
	}
	if ok && len(certs) > 0 && n.Exists(layout.Bundle) {
		for _, c := range certs {
			n.Edit(plan.Step{Path: layout.Bundle, Edit: truststore.AddToBundle(c), Mode: 0o644,
				Why: "the system bundle clients read: nothing runs " + strings.Join(layout.Update, " ") + " in an image root (when it runs, it keeps the CA from the anchor)"})
		}
	}
	return nil
}
