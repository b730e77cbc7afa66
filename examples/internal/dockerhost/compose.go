package dockerhost

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// planCompose gives the services of the docker-compose project -compose
// names (-service, by default Anaconda Server's repo_api and repo_worker)
// the proxy ([proxyenv.Settings.ComposeProject]), then runs
// "docker-compose up -d" of each service, which recreates its container
// with the new environment. With a CA, the override mounts it into them
// ([proxyenv.ComposeTrustOverride]) and, after they are (re)created, the
// trust step runs in each ([proxyenv.ComposeTrustCommand]).
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
	p, err := s.ComposeProject(b, o.services...)
	if errors.Is(err, proxyenv.ErrNoService) {
		return fmt.Errorf("%w: -service: /%s: %w", node.ErrUsage, file, err)
	} else if err != nil {
		return fmt.Errorf("-compose /%s: %w", file, err)
	}
	dir := path.Dir(file)
	override := path.Join(dir, proxyenv.ComposeOverrideFile)
	var pem []byte
	for _, c := range certs {
		pem = append(pem, c.PEM()...)
	}
	var actions []string
	for _, c := range p.Commands("/"+file, n.Exists(override), pem) {
		actions = append(actions, n.Action("compose "+c.Name, c.Argv...))
	}
	services := strings.Join(p.Services, " and ")
	n.WarnFormat(file, p.Warnings)
	n.Note("docker-compose project /%s: services %s", dir, strings.Join(p.Services, ", "))
	n.Edit(plan.Step{Path: file, Edit: p.File, Actions: actions,
		Why: "the proxy for " + services + ", as ${…} references to .env"})
	n.Edit(plan.Step{Path: path.Join(dir, ".env"), Edit: p.DotEnv, Secret: s.HasCredentials(), Mode: 0o600, Actions: actions,
		Why: "the proxy values docker-compose puts in the references"})
	mirrors, err := proxyenv.ServerMirrorFiles(dir, o.serverList)
	if err != nil {
		return err
	}
	n.AddFiles(mirrors...)
	for _, m := range o.serverList {
		n.Note("Anaconda Server mirror %s/%s: %s", m.Channel, m.Name, strings.Join(m.Args(false), " "))
	}
	if len(certs) == 0 {
		return nil
	}
	overrideEdit, err := proxyenv.ComposeTrustOverride(p.Services...)
	if err != nil {
		return err
	}
	n.Edit(plan.Step{Path: path.Join(dir, proxyenv.ComposeTrustDir, "proxy-ca.pem"), Edit: func([]byte) ([]byte, error) { return pem, nil }, Mode: 0o644, Actions: actions,
		Why: "the proxy's CA, mounted as the containers' trust anchor"})
	// The containers' bundle starts from the host's public roots where it
	// does not exist yet. It cannot be the image's own: the plan shows the
	// file's content before anything runs, and reading the image takes a
	// Docker engine, which planning never touches. To start from the
	// image's own, copy it to proxykit/cacert.pem before the first apply.
	_, seed, _ := truststore.PublicRoots(n.FS)
	n.Edit(plan.Step{Path: path.Join(dir, proxyenv.ComposeTrustDir, "cacert.pem"), Edit: truststore.SeededBundle(seed, certs...), Mode: 0o644, Actions: actions,
		Why: "a CA bundle with the proxy's CA, mounted over " + proxyenv.ContainerCondaBundle + " and " + proxyenv.ContainerSystemBundle})
	n.Edit(plan.Step{Path: override, Edit: overrideEdit, Mode: 0o644, Actions: actions,
		Why: "mounts the CA into " + services + " read-only, so that it survives recreating them"})
	return nil
}
