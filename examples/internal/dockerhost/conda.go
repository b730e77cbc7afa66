package dockerhost

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// parseMirror reads a -conda-proxy MIRROR=URL ([proxyenv.ParseCondaMirror]).
func parseMirror(s string) (proxyenv.CondaMirror, error) {
	m, err := proxyenv.ParseCondaMirror(s)
	if errors.Is(err, proxyenv.ErrMirror) {
		return m, fmt.Errorf("%w: -conda-proxy: %w", node.ErrUsage, err)
	}
	if err != nil {
		return m, fmt.Errorf("-conda-proxy: %w", err)
	}
	return m, nil
}

// planConda sets proxy_servers in the .condarc of every conda installation
// and returns the CA bundles under the root that conda and Python packages
// read, for the CA.
func (o *options) planConda(n *node.Node, s proxyenv.Settings) ([]string, error) {
	var mirrors []proxyenv.CondaMirror
	for _, c := range o.condaProxies {
		m, err := parseMirror(c)
		if err != nil {
			return nil, err
		}
		pw, err := o.mirrorPassword(m.Key(), m.PasswordVar(), EnvCondaProxyPassword)
		if err != nil {
			return nil, err
		}
		if pw != "" && m.Proxy.Username != "" && m.Proxy.Password.IsZero() {
			m.Proxy.Password = proxyenv.NewSecret(pw)
			n.Plan.AddSecret(pw)
		} else if !m.Proxy.Password.IsZero() {
			n.Plan.AddSecret(m.Proxy.Password.Reveal())
			n.Warn("command line", "-conda-proxy for %s carries a password on the command line, where every user of this machine can read it; give it in $%s instead", m.Key(), EnvCondaProxyPassword)
		}
		mirrors = append(mirrors, m)
	}
	for _, m := range o.serverList {
		mirrors = append(mirrors, m.CondaMirror())
	}
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
	edit, warns, err := s.CondarcWithMirrors(mirrors)
	if err != nil {
		return nil, err
	}
	secret := s.HasCredentials()
	for _, m := range mirrors {
		secret = secret || m.Proxy.HasCredentials()
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

// getenv reads the program's environment.
func (o *options) getenv(k string) string {
	if o.env.Getenv != nil {
		return o.env.Getenv(k)
	}
	return os.Getenv(k)
}
