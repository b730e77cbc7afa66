package dockerhost

import (
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
)

// mirrorPassword returns the password of a mirror's own proxy from its own
// source, never the command line: the file -mirror-password-file ID=FILE
// names, else the environment variable envVar, else fallback (a variable
// shared by every mirror); "" when none is set.
func (o *options) mirrorPassword(id, envVar, fallback string) (string, error) {
	for _, f := range o.mirrorFiles {
		k, file, _ := strings.Cut(f, "=")
		if k != id {
			continue
		}
		read := o.env.ReadFile
		if read == nil {
			read = os.ReadFile
		}
		b, err := read(file)
		if err != nil {
			return "", fmt.Errorf("-mirror-password-file %s: %w", quote.Bounded(id), err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if pw := o.getenv(envVar); pw != "" {
		return pw, nil
	}
	if fallback != "" {
		return o.getenv(fallback), nil
	}
	return "", nil
}

// serverMirrors reads -server-mirror, each with the password of its own
// proxy, and registers the passwords with the plan.
func (o *options) serverMirrors(n *node.Node) ([]proxyenv.ServerMirror, error) {
	var ms []proxyenv.ServerMirror
	for _, spec := range o.servers {
		m, err := proxyenv.ParseServerMirror(spec)
		if err != nil {
			return nil, fmt.Errorf("%w: -server-mirror: %w", node.ErrUsage, err)
		}
		id := m.Channel + "/" + m.Name
		pw, err := o.mirrorPassword(id, proxyenv.ServerMirrorPasswordVar(m.Channel, m.Name), "")
		if err != nil {
			return nil, err
		}
		if pw != "" {
			if m.Proxy.Username == "" {
				return nil, fmt.Errorf("%w: -server-mirror %s: a password is given but the proxy names no user", node.ErrUsage, id)
			}
			m.Proxy.Password = proxyenv.NewSecret(pw)
			n.Plan.AddSecret(pw)
		} else if m.Proxy.Username != "" {
			n.Warn("-server-mirror", "%s: the proxy names the user %s but no password was found in $%s or a -mirror-password-file", id, m.Proxy.Username, proxyenv.ServerMirrorPasswordVar(m.Channel, m.Name))
		}
		ms = append(ms, m)
	}
	return ms, nil
}

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
