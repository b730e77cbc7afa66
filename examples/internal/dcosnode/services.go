package dcosnode

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

// dropInName is the name of the drop-in dcos-node writes for a DC/OS Java
// service; the Docker daemon's keeps the name Docker's documentation uses.
const dropInName = "proxykit-proxy"

// javaServices are the DC/OS services that run on the JVM, which ignores
// http_proxy and needs -D properties instead. Any other dcos-*.service whose
// ExecStart runs java is handled too.
var javaServices = []string{"dcos-cosmos.service", "dcos-marathon.service", "dcos-metronome.service"}

// loadUnit reads a unit as systemd does, with its drop-ins; nil when the
// node has no such unit or it is masked.
func loadUnit(n *node.Node, name string) (*systemdunit.Unit, error) {
	u, err := systemdunit.Load(n.FS, name)
	switch {
	case errors.Is(err, systemdunit.ErrNotFound), errors.Is(err, systemdunit.ErrMasked):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return u, nil
}

// withoutFile returns u without the file at path p (root-relative).
func withoutFile(u *systemdunit.Unit, p string) *systemdunit.Unit {
	files := slices.DeleteFunc(slices.Clone(u.Files), func(f *systemdunit.File) bool {
		return strings.TrimPrefix(f.Name, "/") == p
	})
	return systemdunit.Merge(u.Name, nil, files...)
}

// environmentFiles returns the files a unit reads with EnvironmentFile=, as
// absolute paths without the "-" prefix.
func environmentFiles(u *systemdunit.Unit) []string {
	var out []string
	for _, f := range u.Files {
		for _, v := range f.Values(systemdunit.ServiceSection, "EnvironmentFile") {
			if v == "" {
				out = out[:0]
				continue
			}
			out = append(out, strings.TrimPrefix(v, "-"))
		}
	}
	return out
}

// dcosUnits returns the names of the DC/OS services installed, sorted.
func dcosUnits(n *node.Node) []string {
	var names []string
	for _, dir := range systemdunit.UnitDirs {
		for _, p := range n.Glob(dir + "/dcos-*.service") {
			if name := path.Base(p); !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// planDocker writes the Docker daemon's proxy drop-in, then reloads systemd
// and restarts Docker when it changed.
// It returns the actions that restart Docker.
func planDocker(n *node.Node, s proxyenv.Settings) ([]string, error) {
	u, err := loadUnit(n, "docker.service")
	if err != nil {
		return nil, err
	}
	if u == nil {
		n.Note("no docker.service: Docker left alone")
		return nil, nil
	}
	if err := u.Check(); err != nil {
		n.Warn(u.Name, "systemd refuses to load the unit (%v): the daemon's proxy is written but Docker will not start until the unit is fixed", err)
	}
	env, warns := s.DockerDaemonEnv()
	for _, w := range warns {
		n.Warn("/"+dockerDropIn, "%s", warningText(w))
	}
	var keys []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	warnOverrides(n, u, path.Base(dockerDropIn), keys, false)
	restart := []string{n.DaemonReload(), n.Restart("docker.service")}
	n.Edit(plan.Step{
		Path:    dockerDropIn,
		Edit:    systemdunit.DropIn{Environment: env}.Edit,
		Why:     "proxy for the Docker daemon (image pulls)",
		Secret:  s.HasCredentials(),
		Actions: restart,
	})
	return restart, nil
}

// planJavaServices writes, for every DC/OS Java service found, a drop-in
// that replaces its ExecStart= with the command line carrying the Java proxy
// properties, keeping the properties DC/OS set itself. It returns the
// actions that restart them.
func planJavaServices(n *node.Node, s proxyenv.Settings) ([]string, error) {
	props, err := jvmflags.ProxyProperties(s)
	if errors.Is(err, jvmflags.ErrProxyScheme) {
		n.Warn("Java services", "left alone: %v; give Java services an http:// proxy by hand", err)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("java proxy properties: %w", err)
	}
	if s.HasCredentials() {
		// Basic authentication through a proxy for https:// needs it
		// enabled again; a value DC/OS set ("NTLM") is kept.
		props.List = append(props.List, jvmflags.AllowTunnelingSchemes())
	}
	names := slices.Clone(javaServices)
	for _, name := range dcosUnits(n) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	var done, restarts []string
	for _, name := range names {
		u, err := loadUnit(n, name)
		if err != nil {
			return nil, err
		}
		if u == nil {
			continue
		}
		ok, err := planJavaService(n, u, props, slices.Contains(javaServices, name))
		if err != nil {
			return nil, err
		}
		if ok {
			done = append(done, strings.TrimSuffix(name, ".service"))
			restarts = append(restarts, n.DaemonReload(), n.Restart(name))
		}
	}
	if len(done) == 0 {
		return nil, nil
	}
	for _, l := range props.Losses {
		n.Warn("no-proxy "+l.Entry, "Java services (%s) cannot honour it: %s", strings.Join(done, ", "), l.Message)
	}
	for _, w := range props.Warnings {
		n.Warn("Java services", "%s", w)
	}
	return restarts, nil
}

// planJavaService plans the drop-in of one service. known says whether it
// is one of the DC/OS Java services, which are handled even when a start
// script hides the java command line. It reports whether the service is a
// Java service.
func planJavaService(n *node.Node, u *systemdunit.Unit, props jvmflags.Properties, known bool) (bool, error) {
	dropIn, err := systemdunit.DropInPath(u.Name, dropInName)
	if err != nil {
		return false, err
	}
	// The drop-in is computed from the unit as DC/OS ships it, without the
	// drop-in itself: after a DC/OS upgrade changes the command line, plan
	// and verify show the drop-in as drifted, and apply rewrites it from
	// the new command instead of pinning the old one.
	u = withoutFile(u, dropIn)
	patch := jvmflags.Patch{Set: props.List, Before: jvmflags.ClassPathOptions}
	edit, kept, err := patch.DropIn(u)
	if err == nil || known {
		warnOverrides(n, u, dropInName+".conf", []string{"JAVA_TOOL_OPTIONS"}, err == nil)
	}
	switch {
	case err == nil:
		for _, k := range kept {
			n.Note("%s keeps its own -D%s=%s", u.Name, k.Key, k.Value)
		}
		n.Edit(plan.Step{
			Path:    dropIn,
			Edit:    edit,
			Why:     "Java proxy properties for " + u.Name + " (the JVM ignores http_proxy)",
			Actions: []string{n.DaemonReload(), n.Restart(u.Name)},
		})
		return true, nil
	case errors.Is(err, systemdunit.ErrBadSetting):
		// systemd refuses to load the unit: name it, Java or not.
		n.Warn(u.Name, "left alone: systemd refuses to load it: %v", err)
		return false, nil
	case !known:
		return false, nil
	case !errors.Is(err, jvmflags.ErrNotJava):
		n.Warn(u.Name, "left alone: %v; set the Java proxy properties by hand", err)
		return false, nil
	}
	// A start script runs java: hand the properties to every JVM the
	// service starts through JAVA_TOOL_OPTIONS.
	env, _ := u.Environment()
	current := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "JAVA_TOOL_OPTIONS="); ok {
			current = v
		}
	}
	opts, kept, terr := patch.ApplyToolOptions(current)
	if terr != nil {
		n.Warn(u.Name, "its ExecStart= is not a java command line (%v) and JAVA_TOOL_OPTIONS cannot carry the properties (%v): set them by hand", err, terr)
		return false, nil
	}
	for _, k := range kept {
		n.Note("%s keeps its own -D%s=%s", u.Name, k.Key, k.Value)
	}
	script := "a start script"
	if cmds, cerr := u.Commands("ExecStart"); cerr == nil && len(cmds) == 1 && len(cmds[0].Argv) > 0 {
		script = cmds[0].Argv[0]
	}
	n.Warn(u.Name, "is started by %s, not by java: the Java proxy properties go into JAVA_TOOL_OPTIONS, which every JVM it starts reads (each prints \"Picked up JAVA_TOOL_OPTIONS\" on stderr)", script)
	n.Edit(plan.Step{
		Path:    dropIn,
		Edit:    systemdunit.DropIn{Environment: []string{"JAVA_TOOL_OPTIONS=" + opts}}.Edit,
		Why:     "Java proxy properties for " + u.Name + " through JAVA_TOOL_OPTIONS",
		Actions: []string{n.DaemonReload(), n.Restart(u.Name)},
	})
	return true, nil
}

// warnOverrides warns about what would hide the drop-in called ours from
// systemd: a drop-in whose name sorts after it (systemd reads drop-ins in
// that order, the last assignment winning) that sets one of the variables
// keys, or that sets ExecStart= when execStart; and an EnvironmentFile=
// that sets one of keys, since systemd lets such files override every
// Environment= line.
func warnOverrides(n *node.Node, u *systemdunit.Unit, ours string, keys []string, execStart bool) {
	for i, f := range u.Files {
		base := path.Base(f.Name)
		if i == 0 || !strings.HasSuffix(base, ".conf") || base <= ours {
			continue
		}
		if execStart && len(f.Values(systemdunit.ServiceSection, "ExecStart")) > 0 {
			n.Warn(u.Name, "the drop-in /%s sorts after %s and sets ExecStart=: systemd takes its command line, "+
				"without the Java proxy properties; merge the two or rename it to sort first", f.Name, ours)
		}
		env, _ := f.Environment()
		if set := setKeys(env, keys); len(set) > 0 {
			n.Warn(u.Name, "the drop-in /%s sorts after %s and sets %s: systemd takes its values; remove them there",
				f.Name, ours, strings.Join(set, ", "))
		}
	}
	for _, ef := range environmentFiles(u) {
		b, err := n.ReadFile(strings.TrimPrefix(ef, "/"))
		if err != nil {
			continue
		}
		var env []string
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
			if line != "" && !strings.HasPrefix(line, "#") {
				env = append(env, line)
			}
		}
		if set := setKeys(env, keys); len(set) > 0 && ef != "/"+proxyEnvPath {
			n.Warn(u.Name, "reads %s with EnvironmentFile=, which sets %s and overrides every Environment= line, ours included; remove them there",
				ef, strings.Join(set, ", "))
		}
	}
}

// setKeys returns the keys that KEY=value assignments in env set.
func setKeys(env, keys []string) []string {
	var out []string
	for _, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		if ok && slices.Contains(keys, k) && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// warnDCOSServices warns about what dcos-node cannot fix: services that read
// the proxy from proxy.env themselves (they must be restarted to see a
// change), and dcos-oauth, which cannot use a proxy at all.
func warnDCOSServices(n *node.Node) {
	var readers []string
	for _, name := range dcosUnits(n) {
		u, err := loadUnit(n, name)
		if err != nil || u == nil {
			continue
		}
		if slices.Contains(environmentFiles(u), "/"+proxyEnvPath) && !slices.Contains(javaServices, name) {
			readers = append(readers, name)
		}
	}
	if len(readers) > 0 {
		n.Warn("/"+proxyEnvPath, "%s read the proxy from this file themselves (EnvironmentFile=); "+
			"they see a change only once restarted: systemctl restart %s", strings.Join(readers, ", "), strings.Join(readers, " "))
	}
	if u, _ := loadUnit(n, "dcos-oauth.service"); u != nil {
		n.Warn("dcos-oauth.service", "fetches its login provider's signing keys (https://dcos.auth0.com/.well-known/jwks.json) directly "+
			"and cannot use a proxy: logins fail unless this master may reach dcos.auth0.com:443 without one")
	}
}
