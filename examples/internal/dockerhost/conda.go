package dockerhost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
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

// mirror is a -conda-proxy: a host conda reaches through its own proxy.
type mirror struct {
	key   string // proxy_servers key: "https://host" or "all://host"
	proxy proxyenv.Proxy
}

// parseMirror reads MIRROR=URL: MIRROR is scheme://host or host (any
// scheme); requests matches proxy_servers keys on the host name alone, so a
// port or path is refused.
func parseMirror(s string) (mirror, error) {
	m, u, ok := strings.Cut(s, "=")
	if !ok || m == "" || u == "" {
		return mirror{}, fmt.Errorf("%w: -conda-proxy %q: want MIRROR=PROXY-URL", node.ErrUsage, quote.Bounded(strings.SplitN(s, "@", 2)[0]))
	}
	scheme, host := "all", m
	if sc, h, ok := strings.Cut(m, "://"); ok {
		scheme, host = strings.ToLower(sc), h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "/"))
	if scheme != "http" && scheme != "https" && scheme != "all" {
		return mirror{}, fmt.Errorf("%w: -conda-proxy %q: mirror scheme must be http or https", node.ErrUsage, quote.Bounded(m))
	}
	if host == "" || strings.ContainsAny(host, ":/@ ?#[]") {
		return mirror{}, fmt.Errorf("%w: -conda-proxy %q: want a host name without port or path (conda matches proxies by host)", node.ErrUsage, quote.Bounded(m))
	}
	p, err := proxyenv.ParseProxy(u)
	if err != nil {
		return mirror{}, fmt.Errorf("-conda-proxy %s: %w", m, err)
	}
	return mirror{key: scheme + "://" + host, proxy: p}, nil
}

// proxyValue is the proxy as conda's proxy_servers holds it: a URL with an
// explicit port and the credentials strictly percent-encoded, so that no '$'
// (conda expands variables there) or other special character is left.
func (m mirror) proxyValue() string { return m.proxy.RevealURL() }

// planConda sets proxy_servers in the .condarc of every conda installation
// and returns the CA bundles under the root that conda and Python packages
// read, for the CA.
func (o *options) planConda(n *node.Node, s proxyenv.Settings) ([]string, error) {
	var mirrors []mirror
	for _, c := range o.condaProxies {
		m, err := parseMirror(c)
		if err != nil {
			return nil, err
		}
		if pw := o.getenv(EnvCondaProxyPassword); pw != "" && m.proxy.Username != "" && m.proxy.Password.IsZero() {
			m.proxy.Password = proxyenv.NewSecret(pw)
			n.Plan.AddSecret(pw)
		} else if !m.proxy.Password.IsZero() {
			n.Plan.AddSecret(m.proxy.Password.Reveal())
			n.Warn("command line", "-conda-proxy for %s carries a password on the command line, where every user of this machine can read it; give it in $%s instead", m.key, EnvCondaProxyPassword)
		}
		mirrors = append(mirrors, m)
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
		if len(mirrors) > 0 {
			return nil, fmt.Errorf("%w: -conda-proxy given, but no conda installation found under the root (%s)", node.ErrUsage, strings.Join(condaPrefixes, ", "))
		}
		return pythonBundles, nil
	}
	edit, warns, err := s.Condarc()
	if err != nil {
		return nil, err
	}
	secret := s.HasCredentials()
	for _, m := range mirrors {
		secret = secret || m.proxy.HasCredentials()
	}
	var bundles []string
	for _, prefix := range prefixes {
		rc := path.Join(prefix, ".condarc")
		warnAll(n, rc, warns)
		e := edit
		if len(mirrors) > 0 {
			e = chain(e, condarcMirrors(mirrors))
		}
		n.Edit(plan.Step{Path: rc, Edit: e, Secret: secret, Mode: 0o644, Why: "conda's proxy_servers"})
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

// chain returns the edit that applies a, then b.
func chain(a, b plan.Edit) plan.Edit {
	return func(old []byte) ([]byte, error) {
		mid, err := a(old)
		if err != nil {
			return nil, err
		}
		return b(mid)
	}
}

// condarcMirrors returns the edit of a .condarc that sets one proxy_servers
// entry per mirror, keeping every other line byte for byte.
//
// proxyenv's Condarc sets the http and https entries; the per-host entries
// requests also reads ("https://host", "all://host") are set here, as a
// small text edit located by the YAML parser.
func condarcMirrors(mirrors []mirror) plan.Edit {
	return func(old []byte) ([]byte, error) {
		out := old
		for _, m := range mirrors {
			var err error
			out, err = setProxyServer(out, m.key, m.proxyValue())
			if err != nil {
				return nil, fmt.Errorf(".condarc: %w", err)
			}
		}
		return out, nil
	}
}

// setProxyServer makes "key": "value" an entry of the block mapping
// proxy_servers in a .condarc. The result is parsed again and must hold
// the entry, or the edit fails.
func setProxyServer(src []byte, key, value string) ([]byte, error) {
	out, err := spliceProxyServer(src, key, value)
	if err != nil {
		return nil, err
	}
	var c struct {
		ProxyServers map[string]any `yaml:"proxy_servers"`
	}
	if err := yaml.Unmarshal(out, &c); err != nil || c.ProxyServers[key] != value {
		return nil, fmt.Errorf("proxy_servers: cannot set %q in this layout", key)
	}
	return out, nil
}

func spliceProxyServer(src []byte, key, value string) ([]byte, error) {
	if bytes.Count(src, []byte("\r")) != bytes.Count(src, []byte("\r\n")) {
		return nil, fmt.Errorf("a carriage return without a line feed")
	}
	qk, _ := json.Marshal(key)
	qv, _ := json.Marshal(value)
	entry := func(indent int) string { return strings.Repeat(" ", indent) + string(qk) + ": " + string(qv) }
	nl := "\n"
	if bytes.Contains(src, []byte("\r\n")) {
		nl = "\r\n"
	}
	lines := strings.SplitAfter(string(src), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("not YAML: %w", err)
	}
	var top *yaml.Node
	if len(doc.Content) > 0 {
		top = doc.Content[0]
		if top.Kind != yaml.MappingNode || top.Style&yaml.FlowStyle != 0 {
			return nil, fmt.Errorf("top level is not a block mapping")
		}
		if len(top.Content) > 0 && top.Content[0].Column != 1 {
			return nil, fmt.Errorf("line %d: top-level keys are indented", top.Content[0].Line)
		}
	}
	var ps *yaml.Node
	var psKey *yaml.Node
	if top != nil {
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == "proxy_servers" {
				psKey, ps = top.Content[i], top.Content[i+1]
			}
		}
	}
	terminate := func() {
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
			lines[n-1] += nl
		}
	}
	switch {
	case ps == nil:
		terminate()
		lines = append(lines, "proxy_servers:"+nl, entry(2)+nl)
	case psKey.Line < 1 || psKey.Line > len(lines):
		return nil, fmt.Errorf("proxy_servers: unexpected layout")
	case ps.Kind == yaml.ScalarNode && ps.Tag == "!!null":
		at := psKey.Line // 1-based: insert after the key's line
		terminate()
		lines = append(lines[:at], append([]string{entry(2) + nl}, lines[at:]...)...)
	case ps.Kind != yaml.MappingNode || ps.Style&yaml.FlowStyle != 0:
		return nil, fmt.Errorf("line %d: proxy_servers is not a block mapping", psKey.Line)
	default:
		indent, last := ps.Content[0].Column-1, 0
		for i := 0; i+1 < len(ps.Content); i += 2 {
			k, v := ps.Content[i], ps.Content[i+1]
			if k.Line != v.Line || v.Kind != yaml.ScalarNode || k.Line > len(lines) {
				return nil, fmt.Errorf("line %d: proxy_servers entry %q is not on one line", k.Line, quote.Bounded(k.Value))
			}
			last = max(last, v.Line)
			if k.Value == key {
				old := lines[k.Line-1]
				end := old[len(strings.TrimRight(old, "\r\n")):]
				want := entry(k.Column-1) + end
				if v.Value == value && old == want {
					return src, nil
				}
				lines[k.Line-1] = want
				return []byte(strings.Join(lines, "")), nil
			}
		}
		if last == len(lines) {
			terminate()
		}
		lines = append(lines[:last], append([]string{entry(indent) + nl}, lines[last:]...)...)
	}
	return []byte(strings.Join(lines, "")), nil
}

// getenv reads the program's environment.
func (o *options) getenv(k string) string {
	if o.env.Getenv != nil {
		return o.env.Getenv(k)
	}
	return os.Getenv(k)
}
