package dcosnode

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// Where DC/OS keeps what dcos-node reads and writes, relative to the root.
const (
	mesosphereDir   = "opt/mesosphere"
	proxyEnvPath    = "opt/mesosphere/etc/proxy.env"
	dcosEnvPath     = "opt/mesosphere/environment"
	dcosExportPath  = "opt/mesosphere/environment.export" // /etc/profile.d/dcos.sh links to it
	dcosVersionPath = "opt/mesosphere/etc/dcos-version.json"
	rolesDir        = "etc/mesosphere/roles"
	etcEnvPath      = "etc/environment"
	yumConfPath     = "etc/yum.conf"
	dnfConfPath     = "etc/dnf/dnf.conf"
	dockerDropIn    = "etc/systemd/system/docker.service.d/http-proxy.conf"
)

// dcosBypassList is what -no-dcos-bypass leaves out.
var dcosBypassList = proxyenv.DCOSBypassList

// build plans the node.
func (o *options) build(n *node.Node) error {
	if !o.noDCOSBypass {
		n.Config.Settings.NoProxy = n.Config.Settings.NoProxy.Merge(proxyenv.DCOSBypass())
	}
	s := n.Config.Settings
	dcos := n.Exists(mesosphereDir)
	describe(n, dcos)
	if err := n.FetchCAs(&o.ca); err != nil { // through the proxy, but not to the cluster (DC/OS's bypass)
		return err
	}

	if err := planYum(n, s); err != nil {
		return err
	}
	var restarts []trustUser // services that read their CAs once, at start
	docker, err := planDocker(n, s)
	if err != nil {
		return err
	}
	restarts = append(restarts, docker...)
	if err := n.AddFormat(etcEnvPath, "proxy for every login session (pam_env), both cases", false, 0o644, s.EtcEnvironment); err != nil {
		return err
	}
	if dcos {
		// The units that read proxy.env restart when their environment
		// changes, not merely the file.
		var readers []string
		if b, changes, err := planned(n, proxyEnvPath, s.DCOSProxyEnv); err == nil && changes {
			readers = envRestarts(n, map[string][]byte{proxyEnvPath: b}, javaServices)
		}
		if err := n.AddFormat(proxyEnvPath, "proxy for DC/OS services (EnvironmentFile=), both cases", true, 0, s.DCOSProxyEnv, readers...); err != nil {
			return err
		}
		if err := o.planDCOSEnvironment(n); err != nil {
			return err
		}
		java, err := planJavaServices(n, s)
		if err != nil {
			return err
		}
		restarts = append(restarts, java...)
		warnDCOSServices(n)
	}
	noted := map[string]bool{}
	if err := node.AddCA(n, node.CAOptions{BundleRoots: truststore.DCOSBundleRoots(), JavaHomes: javaHomes(n),
		ThenFor: func(c truststore.Change, regenerated []truststore.Store) []string {
			return caRestarts(n, restarts, c, regenerated, noted)
		}}); err != nil {
		return err
	}
	return nil
}

// describe notes what the node is: its distribution and DC/OS version and
// role.
func describe(n *node.Node, dcos bool) {
	osName := n.OSName()
	if !dcos {
		n.Note("%s; no DC/OS installed (no /%s)", osName, mesosphereDir)
		return
	}
	version := "unknown version"
	if b, err := n.ReadFile(dcosVersionPath); err == nil {
		var v struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &v) == nil && v.Version != "" {
			version = v.Version
		}
	}
	var roles []string
	for _, r := range []string{"master", "slave", "slave_public"} {
		if n.Exists(rolesDir + "/" + r) {
			roles = append(roles, map[string]string{"master": "master", "slave": "agent", "slave_public": "public agent"}[r])
		}
	}
	if len(roles) == 0 {
		roles = []string{"unknown role"}
	}
	n.Note("%s; DC/OS %s %s", osName, version, strings.Join(roles, ", "))
}

// planYum configures yum.conf, and dnf.conf where present.
func planYum(n *node.Node, s proxyenv.Settings) error {
	found := false
	for _, c := range []struct {
		path string
		f    func() (proxyenv.Edit, []proxyenv.Warning, error)
	}{{yumConfPath, s.YumConf}, {dnfConfPath, s.DNFConf}} {
		if !n.Exists(c.path) {
			continue
		}
		found = true
		if err := n.AddFormat(c.path, "proxy for package downloads", s.HasCredentials(), 0, c.f); err != nil {
			return err
		}
	}
	if !found {
		n.Note("no /%s or /%s: package manager left alone", yumConfPath, dnfConfPath)
	}
	return nil
}

// planDCOSEnvironment checks /opt/mesosphere/environment, which every DC/OS
// unit reads with EnvironmentFile=, and /opt/mesosphere/environment.export,
// which every login shell sources (/etc/profile.d/dcos.sh links to it):
// dcos-node never writes proxy variables to either, warns about those a
// person put there and, with -fix-mesosphere-environment, removes them.
func (o *options) planDCOSEnvironment(n *node.Node) error {
	for _, f := range []struct {
		path, why string // why: what the variables break, and where the proxy goes instead
		edit      func() (proxyenv.Edit, []proxyenv.Warning, error)
	}{
		// Proxy settings with no proxy remove every proxy variable, both cases.
		{dcosEnvPath, "every DC/OS service reads this file, and dcos-diagnostics takes http_proxy from it but not no_proxy, " +
			"so its calls to the other nodes go to the proxy and the UI's health and node pages fail; dcos-node writes the proxy to /" + proxyEnvPath + " instead",
			proxyenv.Settings{}.EtcEnvironment},
		{dcosExportPath, "every login shell sources this file (/etc/profile.d/dcos.sh links to it), so the DC/OS CLI and the scripts run " +
			"from a shell send the other nodes' calls to the proxy, without DC/OS's no_proxy; dcos-node writes the proxy to /" + etcEnvPath + " instead",
			proxyenv.Settings{}.ProfileScript},
	} {
		b, err := n.ReadFile(f.path)
		if err != nil {
			continue
		}
		found := proxyVariables(b)
		if len(found) == 0 {
			continue
		}
		if !o.fixDCOSEnv {
			n.Warn("/"+f.path, "sets %s: %s; rerun with -fix-mesosphere-environment to remove these lines", strings.Join(found, ", "), f.why)
			continue
		}
		if err := n.AddFormat(f.path, "remove proxy variables, which break dcos-diagnostics and the UI", false, 0, f.edit); err != nil {
			return err
		}
	}
	return nil
}

// proxyVariables returns the proxy variables (either case) that the lines
// of an environment file or of a script of "export NAME=value" lines
// assign, in order, each once.
func proxyVariables(b []byte) []string {
	var found []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimLeft(l, " \t")
		if rest, ok := strings.CutPrefix(l, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			l = strings.TrimLeft(rest, " \t")
		}
		k, _, ok := strings.Cut(l, "=")
		if ok && proxyenv.IsVariable(k) && !slices.Contains(found, k) {
			found = append(found, k)
		}
	}
	return found
}
