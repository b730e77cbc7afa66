package dcosnode

import (
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// build plans the node.
func (o *options) build(n *node.Node) error {
	if !o.noDCOSBypass {
		n.Config.Settings.NoProxy = n.Config.Settings.NoProxy.Merge(proxyenv.DCOSBypass())
	}
	s := n.Config.Settings
	dcos := proxyenv.ReadDCOS(n.FS)
	n.Note("%s; %s", n.OSName(), dcos)
	if err := n.FetchCAs(&o.ca); err != nil { // through the proxy, but not to the cluster (DC/OS's bypass)
		return err
	}

	pkgs, err := s.PackageManagerFiles(n.FS)
	if err != nil {
		return err
	}
	if len(pkgs) == 0 {
		n.Note("no /%s or /%s: package manager left alone", proxyenv.YumConfPath, proxyenv.DNFConfPath)
	}
	n.AddFiles(pkgs...)
	restarts, err := planDocker(n, s) // services that read their CAs once, at start
	if err != nil {
		return err
	}
	files, err := s.DCOSFiles(dcos)
	if err != nil {
		return err
	}
	n.AddFiles(files...)
	if dcos != nil {
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
	// The units that read the files written (proxy.env, drop-ins) restart
	// when what systemd gives them changes, not merely the files.
	if err := n.UnitActions("*.service"); err != nil {
		return err
	}
	return node.AddCA(n, node.CAOptions{BundleRoots: truststore.DCOSBundleRoots(), JavaHomes: jvmflags.JavaHomes(n.FS, jvmflags.JavaHomeFiles, "*.service"),
		ThenFor: n.RestartReaders(restarts)})
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
