package probe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/proxykit/proxykit/dockerd"
	"github.com/proxykit/proxykit/internal/rootfs"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/proxykit/proxykit/truststore"
)

// Discovery says where [Discover] looks besides the default places.
type Discovery struct {
	// JavaUnits are the systemd units ("dcos-cosmos.service") whose Java
	// command line is read for the proxy properties. Nil means every
	// *.service in etc/systemd/system that starts java.
	JavaUnits []string
	// Stores says where trust stores are looked for (PEM bundles besides
	// the defaults, such as Python packages' own).
	Stores truststore.Discovery
	// StorePassword opens JKS keystores when the service names none; zero
	// means "changeit", the JDK's.
	StorePassword truststore.Password
}

// Files of the consumer configurations read, relative to the root.
const (
	EtcEnvironment = "etc/environment"
	DCOSProxyEnv   = "opt/mesosphere/etc/proxy.env"
	DockerDaemon   = dockerd.DaemonJSONPath
	DockerUnit     = dockerd.Unit
)

// Discover finds the consumer configurations of the node whose root file
// system is fsys (absolute links resolved inside it), each with the trust
// store its client reads:
//
//   - the Docker daemon's effective environment ([dockerd.Environment]:
//     docker.service with its drop-ins and EnvironmentFile=, then
//     daemon.json's "proxies", which Docker 23+ prefers), with Go's rules, trusting SSL_CERT_FILE or the
//     system bundle;
//   - /etc/environment, with curl's rules, trusting the system bundle;
//   - DC/OS's proxy.env, with Python's rules, trusting the system bundle;
//   - each Java service's -D properties (http.proxyHost, https.proxyHost,
//     http.nonProxyHosts: Java sends no proxy credentials), trusting
//     javax.net.ssl.trustStore or its JRE's cacerts;
//   - each trust store (the system bundle, every Java keystore, every PEM
//     bundle of d.Stores) with the rules of the store's client (Java for
//     keystores, Python for bundles, curl for the system bundle), through
//     the node's proxy: that of the first configuration above of the same
//     client that has one for https, else the first that has one.
//
// Configurations that are absent are left out; a store that cannot be read
// is kept with its problem. Discover only reads.
func Discover(fsys fs.FS, d Discovery) ([]Consumer, error) {
	if d.StorePassword.IsZero() {
		d.StorePassword = truststore.DefaultJavaPassword()
	}
	sys := systemBundle(fsys)
	st := &stores{fsys: fsys, password: d.StorePassword, cache: map[string]storeData{}}
	var out []Consumer
	add := func(name string, client proxyenv.Client, s proxyenv.Settings, store string) {
		c := Consumer{Name: name, Client: client, Settings: s, Store: "/" + store}
		data := st.read(store, truststore.KindBundle, d.StorePassword)
		c.Roots, c.StoreProblem = data.roots, data.problem
		out = append(out, c)
	}
	bundleFrom := func(env []string, names ...string) string {
		for _, n := range names {
			for _, kv := range env {
				if v, ok := strings.CutPrefix(kv, n+"="); ok && v != "" {
					return strings.TrimPrefix(v, "/")
				}
			}
		}
		return sys
	}

	if env, ok, err := dockerd.Environment(fsys); err != nil {
		return nil, err
	} else if ok {
		s, _, err := proxyenv.FromEnvironment(env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", DockerUnit, err)
		}
		add(DockerUnit, proxyenv.Go, s, bundleFrom(env, "SSL_CERT_FILE"))
	}
	for _, f := range []struct {
		path   string
		client proxyenv.Client
		cafile []string
	}{
		{EtcEnvironment, proxyenv.Curl, []string{"CURL_CA_BUNDLE"}},
		{DCOSProxyEnv, proxyenv.Python, []string{"REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"}},
	} {
		data, err := readFile(fsys, f.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		env := envLines(data)
		if f.path == DCOSProxyEnv {
			// DC/OS's units read it as an EnvironmentFile=.
			if env, err = systemdunit.ParseEnvironmentFile(data); err != nil {
				return nil, fmt.Errorf("/%s: %w", f.path, err)
			}
		}
		s, _, err := proxyenv.FromEnvironment(env)
		if err != nil {
			return nil, fmt.Errorf("/%s: %w", f.path, err)
		}
		add("/"+f.path, f.client, s, bundleFrom(env, f.cafile...))
	}
	java, err := javaServices(fsys, d.JavaUnits)
	if err != nil {
		return nil, err
	}
	for _, j := range java {
		c := Consumer{Name: j.unit + " (Java properties)", Client: proxyenv.Java, Settings: j.settings, Store: "/" + j.store}
		if j.store == "" {
			c.Store, c.StoreProblem = "", "cannot tell the JRE of "+j.launcher
		} else {
			pw := d.StorePassword
			if j.password != "" {
				pw = truststore.NewPassword(j.password)
			}
			data := st.read(j.store, truststore.KindKeystore, pw)
			c.Roots, c.StoreProblem = data.roots, data.problem
		}
		out = append(out, c)
	}

	// The trust stores, through the node's proxy: that of a configuration
	// of the store's own client when there is one, else the first found.
	configs := out
	nodeProxy := func(client proxyenv.Client) proxyenv.Settings {
		for _, c := range configs {
			if c.Client == client && c.Settings.HTTPSProxy != nil {
				return c.Settings
			}
		}
		for _, c := range configs {
			if c.Settings.HTTPSProxy != nil {
				return c.Settings
			}
		}
		return proxyenv.Settings{}
	}
	found, err := truststore.Discover(fsys, d.Stores)
	if err != nil {
		return nil, err
	}
	type storeRef struct {
		path   string
		kind   truststore.StoreKind
		client proxyenv.Client
	}
	refs := []storeRef{{sys, truststore.KindBundle, proxyenv.Curl}}
	for _, s := range found {
		switch s.Kind {
		case truststore.KindKeystore:
			refs = append(refs, storeRef{s.Path, s.Kind, proxyenv.Java})
		case truststore.KindBundle:
			refs = append(refs, storeRef{s.Path, s.Kind, proxyenv.Python})
		}
	}
	seen := map[string]bool{}
	for _, r := range refs {
		if r.path == "" || seen[r.path] {
			continue
		}
		seen[r.path] = true
		data := st.read(r.path, r.kind, d.StorePassword)
		out = append(out, Consumer{
			Name: "trust store /" + r.path, Client: r.client, Settings: nodeProxy(r.client),
			Store: "/" + r.path, Roots: data.roots, StoreProblem: data.problem,
		})
	}
	return out, nil
}

// systemBundle returns the PEM bundle of the node's system store, as Go's
// crypto/x509 finds it: the detected family's, else the first that exists.
func systemBundle(fsys fs.FS) string {
	if l, ok := truststore.DetectLayout(fsys); ok && l.Bundle != "" {
		return l.Bundle
	}
	for _, l := range truststore.Layouts() {
		if _, err := readFile(fsys, l.Bundle); err == nil {
			return l.Bundle
		}
	}
	return "etc/ssl/certs/ca-certificates.crt"
}

// storeData is a store's certificates, or why they could not be read.
type storeData struct {
	roots   []*truststore.Certificate
	problem string
}

type stores struct {
	fsys     fs.FS
	password truststore.Password
	cache    map[string]storeData
}

// read reads the store at p (a bundle or a keystore, told by content).
func (s *stores) read(p string, kind truststore.StoreKind, pw truststore.Password) storeData {
	if d, ok := s.cache[p]; ok {
		return d
	}
	var d storeData
	data, err := readFile(s.fsys, p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.problem = "no such file under the root"
	case err != nil:
		d.problem = err.Error()
	case truststore.DetectKeystore(data) != truststore.FormatUnknown:
		d.roots, _, err = truststore.TrustedCertificates(data, truststore.WithPassword(pw))
	default:
		d.roots, err = truststore.ParseCertificates(data)
	}
	if err != nil && d.problem == "" {
		d.problem = err.Error()
	}
	s.cache[p] = d
	return d
}

// readFile reads p (relative to the root, or absolute as on the node) with
// links resolved inside fsys.
func readFile(fsys fs.FS, p string) ([]byte, error) {
	real, err := rootfs.Resolve(fsys, strings.TrimPrefix(p, "/"))
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(fsys, real)
}

// envLines reads KEY=value lines as pam_env reads /etc/environment: comments and blank lines skipped, "export " and one pair
// of surrounding quotes removed.
func envLines(data []byte) []string {
	var env []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		l = strings.TrimPrefix(l, "export ")
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		env = append(env, k+"="+v)
	}
	return env
}

// envValue returns the value of name in env (KEY=value, the last wins).
func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if rest, ok := strings.CutPrefix(kv, name+"="); ok {
			v = rest
		}
	}
	return v
}

// javaDefaultNonProxyHosts is the JDK's http.nonProxyHosts when the
// property is not set (sun.net.spi.DefaultProxySelector).
const javaDefaultNonProxyHosts = "localhost|127.*|[::1]|0.0.0.0|[::0]"

// javaService is a Java service's proxy configuration.
type javaService struct {
	unit, launcher  string
	settings        proxyenv.Settings
	store, password string // the trust store (relative to the root) and its password, if set
}

// javaServices reads the Java command lines of the units named (or of every
// unit in etc/systemd/system when names is nil).
func javaServices(fsys fs.FS, names []string) ([]javaService, error) {
	if names == nil {
		var err error
		if names, err = systemdunit.Find(fsys, "*.service"); err != nil {
			return nil, err
		}
	}
	var out []javaService
	for _, name := range names {
		u, err := systemdunit.Load(fsys, name)
		if err != nil {
			continue // absent, masked or refused by systemd: nothing runs
		}
		// The JVM reads JAVA_TOOL_OPTIONS first; the command line's -D
		// options override it. A start script hides the command line: the
		// tool options (and JAVA_HOME) are then all there is.
		e, err := u.Effective(fsys)
		if err != nil {
			continue // a command line systemd refuses: nothing runs
		}
		var env []string
		for _, v := range e.Environment {
			env = append(env, v.String())
		}
		props := map[string]string{}
		setProps := func(words []string) {
			for _, w := range words {
				if kv, ok := strings.CutPrefix(w, "-D"); ok {
					k, v, _ := strings.Cut(kv, "=")
					props[k] = v
				}
			}
		}
		if v := envValue(env, "JAVA_TOOL_OPTIONS"); v != "" {
			if words, err := jvmflags.ParseToolOptions(v); err == nil {
				setProps(words)
			}
		}
		launcher := ""
		if cmds := e.ExecStart; len(cmds) > 0 {
			if c, err := jvmflags.ParseCommand(cmds[len(cmds)-1].Argv); err == nil {
				launcher = c.Launcher()
				for _, o := range c.Options() {
					if o.Name() == "-D" {
						setProps(o.Words)
					}
				}
			}
		}
		if launcher == "" {
			if _, ok := props["https.proxyHost"]; !ok {
				if _, ok := props["http.proxyHost"]; !ok {
					continue // not a Java service we can read
				}
			}
			if home := envValue(env, "JAVA_HOME"); home != "" {
				launcher = path.Join(home, "bin/java")
			}
		}
		j := javaService{unit: name, launcher: launcher}
		prop := func(k string) string { return props[k] }
		for _, p := range []struct {
			host, port string
			dst        **proxyenv.Proxy
		}{{"http.proxyHost", "http.proxyPort", &j.settings.HTTPProxy}, {"https.proxyHost", "https.proxyPort", &j.settings.HTTPSProxy}} {
			if h := prop(p.host); h != "" {
				port := prop(p.port)
				if port == "" {
					port = "80" // the JDK's default for both (https.proxyPort too)
				}
				*p.dst = &proxyenv.Proxy{Scheme: "http", Host: strings.ToLower(h), Port: port}
			}
		}
		if v, ok := props["http.nonProxyHosts"]; ok {
			j.settings.NoProxy = proxyenv.ParseJavaNonProxyHosts(v)
		} else {
			j.settings.NoProxy = proxyenv.ParseJavaNonProxyHosts(javaDefaultNonProxyHosts)
		}
		j.password = prop("javax.net.ssl.trustStorePassword")
		if ts := prop("javax.net.ssl.trustStore"); ts != "" {
			j.store = strings.TrimPrefix(ts, "/")
		} else if strings.HasPrefix(j.launcher, "/") {
			home := path.Dir(path.Dir(j.launcher))
			for _, p := range []string{home + "/lib/security/cacerts", home + "/jre/lib/security/cacerts"} {
				if _, err := readFile(fsys, p); err == nil {
					j.store = strings.TrimPrefix(p, "/")
					break
				}
			}
		}
		out = append(out, j)
	}
	return out, nil
}
