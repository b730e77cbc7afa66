package dockerhost

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
)

// planCompose gives the services of the docker-compose project -compose
// names (-service, by default Anaconda Server's repo_api and repo_worker)
// the proxy: ${…} references in the compose file, the values in the
// project's .env (0600), no_proxy holding every service of the project so
// that the containers reach each other directly; then "docker-compose up -d"
// of each service, which recreates its container with the new environment.
// The edits themselves live in proxyenv (Settings.ComposeFile and
// Settings.ComposeDotEnv).
func (o *options) planCompose(n *node.Node, s proxyenv.Settings) error {
	if o.compose == "" {
		if len(o.services) > 0 {
			return fmt.Errorf("%w: -service names a service of the -compose file: give -compose too", node.ErrUsage)
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
	var ups []string
	for _, svc := range services {
		ups = append(ups, n.Action("compose up "+svc, "docker-compose", "--project-directory", "/"+dir, "-f", "/"+file, "up", "-d", svc))
	}
	warnAll(n, file, warns)
	n.Note("docker-compose project /%s: services %s", dir, strings.Join(services, ", "))
	n.Edit(plan.Step{Path: file, Edit: composeEdit, Actions: ups,
		Why: "the proxy for " + strings.Join(services, " and ") + ", as ${…} references to .env"})
	n.Edit(plan.Step{Path: path.Join(dir, ".env"), Edit: envEdit, Secret: s.HasCredentials(), Mode: 0o600, Actions: ups,
		Why: "the proxy values docker-compose puts in the references"})
	return nil
}
