package dockerhost

import (
	"errors"
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// planConda reads the mirrors' own proxies (-conda-proxy, -server-mirror),
// sets proxy_servers in the .condarc of every conda installation, and
// returns the CA bundles under the root that conda and Python packages
// read, for the CA.
func (o *options) planConda(n *node.Node, s proxyenv.Settings) ([]string, error) {
	ms, err := proxyenv.MirrorsFromValues(proxyenv.MirrorValues{Conda: o.condaProxies, Server: o.servers, Password: o.mirrorPassword})
	if errors.Is(err, proxyenv.ErrServerMirror) || errors.Is(err, proxyenv.ErrMirror) {
		return nil, fmt.Errorf("%w: %w", node.ErrUsage, err)
	} else if err != nil {
		return nil, err
	}
	for _, w := range ms.Warnings {
		n.Warn(w.Format, "%s", node.WarningText(w))
	}
	secret := s.HasCredentials()
	for _, m := range ms.Conda {
		if !m.Proxy.Password.IsZero() {
			n.Plan.AddSecret(m.Proxy.Password.Reveal())
		}
		secret = secret || m.Proxy.HasCredentials()
	}
	o.serverList = ms.Server
	condas, err := truststore.DiscoverConda(n.FS, nil)
	if err != nil {
		return nil, err
	}
	if len(condas) == 0 {
		if len(o.condaProxies) > 0 {
			return nil, fmt.Errorf("%w: -conda-proxy given, but no conda installation found under the root (%s)", node.ErrUsage, strings.Join(truststore.DefaultCondaPrefixes(), ", "))
		}
		return truststore.DefaultBundleGlobs(), nil
	}
	edit, warns, err := s.CondarcWithMirrors(ms.Conda)
	if err != nil {
		return nil, err
	}
	var bundles []string
	for _, c := range condas {
		n.WarnFormat(c.Condarc, warns)
		n.Edit(plan.Step{Path: c.Condarc, Edit: edit, Secret: secret, Mode: 0o644, Why: "conda's proxy_servers"})
		n.Note("conda installation /%s", c.Prefix)
		bundles = append(bundles, c.Bundles...)
	}
	return append(bundles, truststore.DefaultBundleGlobs()...), nil
}

// mirrorPassword returns the password of a mirror's own proxy from its own
// source, never the command line: the file -mirror-password-file ID=FILE
// names, else the first of the environment variables vars that is set; ""
// when none is.
func (o *options) mirrorPassword(id string, vars ...string) (string, error) {
	for _, f := range o.mirrorFiles {
		if k, file, _ := strings.Cut(f, "="); k == id {
			b, err := o.env.Read(file)
			if err != nil {
				return "", fmt.Errorf("-mirror-password-file %s: %w", quote.Bounded(id), err)
			}
			return strings.TrimRight(string(b), "\r\n"), nil
		}
	}
	for _, v := range vars {
		if pw := o.env.Get(v); pw != "" {
			return pw, nil
		}
	}
	return "", nil
}
