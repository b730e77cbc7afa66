package dcosnode

import (
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// dockerDropIn is the Docker daemon's drop-in, named as Docker's
// documentation names it.
const dockerDropIn = "etc/systemd/system/docker.service.d/http-proxy.conf"

// build plans the node.
func (o *options) build(n *node.Node) error {
	if !o.noDCOSBypass {
		n.Config.Settings.NoProxy = n.Config.Settings.NoProxy.Merge(proxyenv.DCOSBypass())
	}
	s := n.Config.Settings
	dcos := proxyenv.ReadDCOS(n.FS)
	if dcos == nil {
		n.Note("%s; no DC/OS installed (no /opt/mesosphere)", n.OSName())
	} else {
		n.Note("%s; %s", n.OSName(), dcos)
	}
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
	if err := n.AddFormat("etc/environment", "proxy for every login session (pam_env), both cases", false, 0o644, s.EtcEnvironment); err != nil {
		return err
	}
	if dcos != nil {
		// The units that read proxy.env restart when their environment
		// changes, not merely the file.
		var readers []string
		if b, changes, err := planned(n, proxyenv.DCOSProxyEnvPath, s.DCOSProxyEnv); err == nil && changes {
			readers = envRestarts(n, map[string][]byte{proxyenv.DCOSProxyEnvPath: b}, jvmflags.DCOSServices)
		}
		if err := n.AddFormat(proxyenv.DCOSProxyEnvPath, "proxy for DC/OS services (EnvironmentFile=), both cases", true, 0, s.DCOSProxyEnv, readers...); err != nil {
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
	if err := node.AddCA(n, node.CAOptions{BundleRoots: truststore.DCOSBundleRoots(), JavaHomes: jvmflags.JavaHomes(n.FS, jvmflags.JavaHomeFiles, "*.service"),
		ThenFor: func(c truststore.Change, regenerated []truststore.Store) []string {
			return caRestarts(n, restarts, c, regenerated, noted)
		}}); err != nil {
		return err
	}
	return nil
}

// planYum configures yum.conf, and dnf.conf where present.
func planYum(n *node.Node, s proxyenv.Settings) error {
	found := false
	for _, c := range []struct {
		path string
		f    func() (proxyenv.Edit, []proxyenv.Warning, error)
	}{{"etc/yum.conf", s.YumConf}, {"etc/dnf/dnf.conf", s.DNFConf}} {
		if !n.Exists(c.path) {
			continue
		}
		found = true
		if err := n.AddFormat(c.path, "proxy for package downloads", s.HasCredentials(), 0, c.f); err != nil {
			return err
		}
	}
	if !found {
		n.Note("no /etc/yum.conf or /etc/dnf/dnf.conf: package manager left alone")
	}
	return nil
}

// planDCOSEnvironment warns about the proxy variables a person put in
// DC/OS's own environment ([proxyenv.CheckDCOSEnvironment]) and, with
// -fix-mesosphere-environment, removes them.
func (o *options) planDCOSEnvironment(n *node.Node) error {
	problems, err := proxyenv.CheckDCOSEnvironment(n.FS)
	for _, p := range problems {
		if !o.fixDCOSEnv {
			n.Warn("/"+p.Path, "sets %s: %s; dcos-node writes the proxy to /%s instead; rerun with -fix-mesosphere-environment to remove these lines",
				strings.Join(p.Variables, ", "), p.Why, p.Instead)
			continue
		}
		n.Edit(plan.Step{Path: p.Path, Edit: p.Fix, Why: "remove proxy variables, which break dcos-diagnostics and the UI"})
	}
	return err
}
