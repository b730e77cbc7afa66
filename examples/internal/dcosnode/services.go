package dcosnode

import (
	"errors"
	"strings"

	"github.com/proxykit/proxykit/dockerd"
	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

// dropInName is the name of the drop-in dcos-node writes for a DC/OS Java
// service; the Docker daemon's keeps the name Docker's documentation uses.
const dropInName = "proxykit-proxy"

// planDocker writes the Docker daemon's proxy drop-in as docker-host does
// ([dockerd.Changes]); systemd reloads and Docker restarts when its
// effective environment changes ([node.Node.UnitActions]), and Docker restarts for a
// change of its other files. It returns Docker as a user of the system
// store (see [node.Node.RestartReaders]).
func planDocker(n *node.Node, s proxyenv.Settings) ([]node.CAReader, error) {
	p, err := dockerd.Changes(n.FS, s, dockerd.InDropIn)
	if err != nil {
		return nil, err
	}
	if p.Missing || p.Masked {
		n.Note("no docker.service: Docker left alone")
		return nil, nil
	}
	for _, w := range p.Warnings {
		n.Warn(w.Topic, "%s", w.Message)
	}
	for _, c := range p.Changes {
		var actions []string
		if !c.Reload {
			actions = []string{n.Restart(dockerd.Unit)}
		}
		n.Edit(plan.Step{Path: c.Path, Edit: c.Edit, Why: c.Why, Secret: c.Secret, Mode: c.Mode, Actions: actions})
	}
	// Docker reads the system bundle at start: it restarts for a new CA there.
	return []node.CAReader{{Unit: dockerd.Unit, System: true}}, nil
}

// planJavaServices writes, for every DC/OS Java service found, the drop-in
// that gives it the Java proxy properties ([jvmflags.ProxyServices]). A
// service restarts only when its effective environment or command line
// changes ([node.Node.UnitActions]). It returns them as users of their JRE's
// keystore (see [node.Node.RestartReaders]).
func planJavaServices(n *node.Node, s proxyenv.Settings) ([]node.CAReader, error) {
	p, err := jvmflags.ProxyServices(n.FS, s, jvmflags.DCOSServiceOptions(dropInName))
	if errors.Is(err, jvmflags.ErrProxyScheme) {
		n.Warn("Java services", "left alone: %v; give Java services an http:// proxy by hand", err)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var done []string
	var restarts []node.CAReader
	for _, c := range p.Changes {
		for _, w := range c.Warnings() {
			n.Warn(c.Unit, "%s", w)
		}
		for _, note := range c.Notes() {
			n.Note("%s", note)
		}
		n.Edit(plan.Step{Path: c.Path, Edit: c.Edit, Why: c.Why})
		done = append(done, strings.TrimSuffix(c.Unit, ".service"))
		// A JVM reads its keystore at start: it restarts for a new CA there.
		restarts = append(restarts, node.JVMReader(n, c.Unit))
	}
	for _, l := range p.Left {
		n.Warn(l.Unit, "left alone: %s", l.Reason)
	}
	if len(done) == 0 {
		return nil, nil
	}
	for _, l := range p.Losses {
		n.Warn("no-proxy "+l.Entry, "Java services (%s) cannot honour it: %s", strings.Join(done, ", "), l.Message)
	}
	for _, w := range p.Warnings {
		n.Warn("Java services", "%s", w)
	}
	return restarts, nil
}

// warnDCOSServices warns about what dcos-node cannot fix: dcos-oauth, which
// cannot use a proxy at all. (The services that read proxy.env restart when
// their environment changes: see [node.Node.UnitActions].)
func warnDCOSServices(n *node.Node) {
	if _, err := systemdunit.Load(n.FS, "dcos-oauth.service"); err == nil { // found, not masked
		n.Warn("dcos-oauth.service", "fetches its login provider's signing keys (https://dcos.auth0.com/.well-known/jwks.json) directly "+
			"and cannot use a proxy: logins fail unless this master may reach dcos.auth0.com:443 without one")
	}
}
