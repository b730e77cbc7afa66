package dockerhost

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
)

// condaPrefixes are where conda installations live, as globs relative to the
// root. A directory is an installation when it has conda-meta/.
var condaPrefixes = []string{
	"conda",
	"opt/conda", "opt/miniconda*", "opt/anaconda*", "opt/miniforge*", "opt/mambaforge*",
	"usr/local/conda", "usr/local/miniconda*", "usr/share/miniconda*",
	"root/miniconda*", "root/anaconda*", "root/miniforge*",
	"home/*/miniconda*", "home/*/anaconda*", "home/*/miniforge*",
}

// condaBundles are the CA bundles of a conda installation, relative to its
// prefix: conda's own, and certifi's (requests, pip) in the base and every
// environment.
var condaBundles = []string{
	"ssl/cacert.pem",
	"lib/python3*/site-packages/certifi/cacert.pem",
	"lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
	"envs/*/ssl/cacert.pem",
	"envs/*/lib/python3*/site-packages/certifi/cacert.pem",
	"envs/*/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
}

// pythonBundles are certifi bundles of Pythons outside conda.
var pythonBundles = []string{
	"usr/lib/python3*/site-packages/certifi/cacert.pem",
	"usr/local/lib/python3*/site-packages/certifi/cacert.pem",
	"usr/local/lib/python3*/dist-packages/certifi/cacert.pem",
	"usr/local/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
}

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
	var prefixes []string
	for _, g := range condaPrefixes {
		for _, p := range n.Glob(g) {
			if n.Exists(path.Join(p, "conda-meta")) {
				prefixes = append(prefixes, p)
			}
		}
	}
	if len(prefixes) == 0 {
		if len(o.condaProxies) > 0 {
			return nil, fmt.Errorf("%w: -conda-proxy given, but no conda installation found under the root (%s)", node.ErrUsage, strings.Join(condaPrefixes, ", "))
		}
		return pythonBundles, nil
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
	for _, prefix := range prefixes {
		rc := path.Join(prefix, ".condarc")
		n.WarnFormat(rc, warns)
		n.Edit(plan.Step{Path: rc, Edit: edit, Secret: secret, Mode: 0o644, Why: "conda's proxy_servers"})
		n.Note("conda installation /%s", prefix)
		for _, b := range condaBundles {
			bundles = append(bundles, path.Join(prefix, b))
		}
		if v := condarcSSLVerify(n, rc); v != "" {
			bundles = append(bundles, v)
		}
	}
	return append(bundles, pythonBundles...), nil
}

// condarcSSLVerify returns the root-relative CA bundle a .condarc names in
// ssl_verify, or "".
func condarcSSLVerify(n *node.Node, rc string) string {
	b, err := n.ReadFile(rc)
	if err != nil {
		return ""
	}
	var c struct {
		SSLVerify any `yaml:"ssl_verify"`
	}
	if yaml.Unmarshal(b, &c) != nil {
		return ""
	}
	if p, ok := c.SSLVerify.(string); ok && strings.HasPrefix(p, "/") {
		return strings.TrimPrefix(path.Clean(p), "/")
	}
	return ""
}

// getenv reads the program's environment.
func (o *options) getenv(k string) string {
	if o.env.Getenv != nil {
		return o.env.Getenv(k)
	}
	return os.Getenv(k)
}
