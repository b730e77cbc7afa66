package dockerhost

import (
	"path"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
)

// planServerMirrors writes, in the compose project's directory dir, the
// root-only script that creates each Anaconda Server mirror with its own
// proxy, and each mirror's request body for the REST API; the notes show
// the commands, passwords masked.
func planServerMirrors(n *node.Node, dir string, ms []proxyenv.ServerMirror) error {
	if len(ms) == 0 {
		return nil
	}
	script, err := proxyenv.ServerMirrorsScript(ms)
	if err != nil {
		return err
	}
	n.Edit(plan.Step{Path: path.Join(dir, proxyenv.ComposeTrustDir, "mirrors.sh"), Edit: script, Secret: true, Mode: 0o700,
		Why: "creates each Anaconda Server mirror with its own proxy: run it once, after conda repo login"})
	for _, m := range ms {
		body := m.RequestBody(true)
		n.Edit(plan.Step{Path: path.Join(dir, proxyenv.ComposeTrustDir, "mirrors", m.Channel+"-"+m.Name+".json"),
			Edit: func([]byte) ([]byte, error) { return body, nil }, Secret: true, Mode: 0o600,
			Why: "the body of POST " + m.RequestPath() + ", for the REST API"})
		n.Note("Anaconda Server mirror %s/%s: %s", m.Channel, m.Name, strings.Join(m.Args(false), " "))
	}
	return nil
}
