package dcosnode

import (
	"encoding/json"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/proxykit/proxykit/truststore"
)

// Where DC/OS keeps what dcos-node reads and writes, relative to the root.
const (
	mesosphereDir   = "opt/mesosphere"
	proxyEnvPath    = "opt/mesosphere/etc/proxy.env"
	dcosEnvPath     = "opt/mesosphere/environment"
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

	if err := planYum(n, s); err != nil {
		return err
	}
	var restarts []string // services that read their CAs once, at start
	docker, err := planDocker(n, s)
	if err != nil {
		return err
	}
	restarts = append(restarts, docker...)
	if err := n.AddFormat(etcEnvPath, "proxy for every login session (pam_env), both cases", false, 0o644, s.EtcEnvironment); err != nil {
		return err
	}
	if dcos {
		if err := n.AddFormat(proxyEnvPath, "proxy for DC/OS services (EnvironmentFile=), both cases", true, 0, s.DCOSProxyEnv); err != nil {
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
	if err := node.AddCA(n, node.CAOptions{BundleRoots: truststore.DCOSBundleRoots(), JavaHomes: javaHomes(n), Then: restarts}); err != nil {
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

// planDCOSEnvironment checks /opt/mesosphere/environment, which dcos-node
// never writes proxy variables to, and offers to remove them.
func (o *options) planDCOSEnvironment(n *node.Node) error {
	b, err := n.ReadFile(dcosEnvPath)
	if err != nil {
		return nil
	}
	var found []string
	env, _ := systemdunit.ParseEnvironmentFile(b) // DC/OS's units read it with EnvironmentFile=
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); proxyenv.IsVariable(k) {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return nil
	}
	if !o.fixDCOSEnv {
		n.Warn("/"+dcosEnvPath, "sets %s: every DC/OS service reads this file, and dcos-diagnostics takes http_proxy from it but not no_proxy, "+
			"so its calls to the other nodes go to the proxy and the UI's health and node pages fail; dcos-node writes the proxy to "+
			"/%s instead; rerun with -fix-mesosphere-environment to remove these lines", strings.Join(found, ", "), proxyEnvPath)
		return nil
	}
	// Proxy settings with no proxy remove every proxy variable, both cases.
	return n.AddFormat(dcosEnvPath, "remove proxy variables, which break dcos-diagnostics and the UI", false, 0, proxyenv.Settings{}.EtcEnvironment)
}
