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
	addFiles(n, pkgs, false)
	restarts, err := planDocker(n, s) // services that read their CAs once, at start
	if err != nil {
		return err
	}
	files, err := s.DCOSFiles(dcos)
	if err != nil {
		return err
	}
	addFiles(n, files, true)
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
	noted := map[string]bool{}
	return node.AddCA(n, node.CAOptions{BundleRoots: truststore.DCOSBundleRoots(), JavaHomes: jvmflags.JavaHomes(n.FS, jvmflags.JavaHomeFiles, "*.service"),
		ThenFor: func(c truststore.Change, regenerated []truststore.Store) []string {
			return caRestarts(n, restarts, c, regenerated, noted)
		}})
}

// addFiles plans the files. With readers, the units that read one with
// EnvironmentFile= restart when their environment changes, not merely the
// file ([envRestarts]); the Java services restart for their own drop-ins.
func addFiles(n *node.Node, files []proxyenv.File, readers bool) {
	for _, f := range files {
		var actions []string
		if readers {
			if b, changes, err := planned(n, f.Path, func() (proxyenv.Edit, []proxyenv.Warning, error) { return f.Edit, nil, nil }); err == nil && changes {
				actions = envRestarts(n, map[string][]byte{f.Path: b}, jvmflags.DCOSServices)
			}
		}
		n.WarnFormat(f.Path, f.Warnings)
		n.Edit(plan.Step{Path: f.Path, Edit: f.Edit, Why: f.Why, Secret: f.Secret, Mode: f.Mode, Actions: actions})
	}
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
