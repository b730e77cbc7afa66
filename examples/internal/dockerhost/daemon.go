package dockerhost

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/proxykit/proxykit/dockerd"
	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// planDaemon plans the daemon's proxy ([dockerd.Changes]): a drop-in, its
// values in a root-only file with -daemon-env-file, or daemon.json with
// -daemon-json; the other places are cleaned.
func (o *options) planDaemon(n *node.Node, s proxyenv.Settings) error {
	place := dockerd.InDropIn
	switch {
	case o.daemonJSON:
		place = dockerd.InDaemonJSON
	case o.envFile:
		place = dockerd.InEnvFile
	}
	p, err := dockerd.Changes(n.FS, s, place)
	if errors.Is(err, dockerd.ErrConflict) {
		return fmt.Errorf("%w, or leave out -daemon-json", err)
	} else if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		n.Warn(w.Topic, "%s", w.Message)
	}
	for _, c := range p.Changes {
		var actions []string // for the unit's files: n.UnitActions
		if !c.Reload {
			actions = []string{n.Restart(dockerd.Unit)}
		}
		n.Edit(plan.Step{Path: c.Path, Edit: c.Edit, Why: c.Why, Secret: c.Secret, Mode: c.Mode, Actions: actions})
	}
	// Docker reloads and restarts for its drop-in only when what systemd
	// gives it changes, not merely the file.
	if err := n.UnitActions(dockerd.Unit); err != nil {
		return err
	}
	if p.After == nil {
		return nil
	}
	files := make([]string, len(p.After.Files))
	for i, f := range p.After.Files {
		files[i] = "/" + f
	}
	n.Note("%s as systemd reads it after apply: %s", dockerd.Unit, strings.Join(files, ", "))
	n.Note("%s proxy environment after apply: %s", dockerd.Unit, strings.Join(p.ProxyEnvironment(), " "))
	return nil
}

// planClients merges the proxies into the Docker client's config.json of
// every -user ([proxyenv.DockerClients]), keeping logins and every other
// key.
func (o *options) planClients(n *node.Node, s proxyenv.Settings) error {
	if len(o.users) == 0 {
		n.Warn("docker client", "no -user given: containers and builds started by docker run/build get no proxy from the client's config.json")
		return nil
	}
	clients, err := proxyenv.DockerClients(n.FS, o.users...)
	if errors.Is(err, proxyenv.ErrUnknownUser) {
		return fmt.Errorf("%w: -user: %w", node.ErrUsage, err)
	} else if err != nil {
		return fmt.Errorf("-user: %w", err)
	}
	edit, warns, err := s.DockerClientConfig()
	if err != nil {
		return err
	}
	for _, c := range clients {
		n.WarnFormat(c.Path, warns)
		var actions []string
		if c.UID != 0 {
			// The engine creates files as root; the client must be able to
			// read its own config (and keep writing logins to it).
			actions = append(actions, n.Action("chown "+c.User+" docker config", "chown",
				fmt.Sprintf("%d:%d", c.UID, c.GID), "/"+path.Dir(c.Path), "/"+c.Path))
		}
		n.Edit(plan.Step{Path: c.Path, Edit: edit, Secret: true, Mode: 0o600,
			Why: "proxies for " + c.User + "'s containers and builds (docker client config; logins kept)", Actions: actions})
	}
	return nil
}

// planRegistries adds every CA to /etc/docker/certs.d/REGISTRY/ca.crt
// ([dockerd.RegistryCAPath]), which dockerd reads for each connection to
// that registry: no restart.
func (o *options) planRegistries(n *node.Node, certs []*truststore.Certificate) error {
	if len(o.registries) == 0 {
		return nil
	}
	if len(certs) == 0 {
		return fmt.Errorf("%w: -registry needs a CA (-ca, -ca-url or -ca-from-proxy)", node.ErrUsage)
	}
	for _, r := range o.registries {
		p, err := dockerd.RegistryCAPath(r)
		if err != nil {
			return fmt.Errorf("%w: -registry: %w", node.ErrUsage, err)
		}
		for _, c := range certs {
			n.Edit(plan.Step{Path: p, Edit: truststore.AddToBundle(c), Mode: 0o644, Why: "CA dockerd trusts for registry " + r})
		}
	}
	return nil
}

// parseCAs reads every CA of the configuration and checks it as a trust
// anchor ([node.ParseCAs]).
func parseCAs(n *node.Node, cas []node.CA) ([]*truststore.Certificate, error) {
	certs, warns, err := node.ParseCAs(n.Config, cas, time.Time{})
	for _, w := range warns {
		n.Warn(w.Topic, "%s", w.Message)
	}
	return certs, err
}
