package main

import (
	"errors"
	"fmt"
	"io/fs"
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

// unit is a service unit found on the node, with its drop-ins.
type unit struct {
	name    string
	path    string              // where the unit file was found
	file    *systemdunit.File   // the unit file
	dropIns []*systemdunit.File // its drop-ins in the order systemd applies them, dcos-node's own left out
}

// findUnit reads the unit name from the first unit directory that has it,
// with its drop-ins. It returns nil when the node has no such unit.
func findUnit(n *node.Node, name, skipDropIn string) (*unit, error) {
	for _, dir := range unitDirs {
		p := dir + "/" + name
		b, err := n.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read unit /%s: %w", p, err)
		}
		f, err := systemdunit.ParseNamed(name, b)
		if err != nil {
			return nil, fmt.Errorf("unit /%s: %w", p, err)
		}
		u := &unit{name: name, path: p, file: f}
		// Drop-ins apply in the order of their file names, whatever
		// their directory; one in an earlier directory hides a namesake.
		seen := map[string]string{}
		for _, d := range unitDirs {
			for _, q := range n.Glob(d + "/" + name + ".d/*.conf") {
				base := path.Base(q)
				if _, ok := seen[base]; !ok && base != skipDropIn+".conf" {
					seen[base] = q
				}
			}
		}
		names := make([]string, 0, len(seen))
		for base := range seen {
			names = append(names, base)
		}
		slices.Sort(names)
		for _, base := range names {
			q := seen[base]
			b, err := n.ReadFile(q)
			if err != nil {
				return nil, fmt.Errorf("read drop-in /%s: %w", q, err)
			}
			df, err := systemdunit.ParseNamed(name, b)
			if err != nil {
				return nil, fmt.Errorf("drop-in /%s: %w", q, err)
			}
			u.dropIns = append(u.dropIns, df)
		}
		return u, nil
	}
	return nil, nil
}

// execStart returns the unit's effective ExecStart= commands once its
// drop-ins are applied: a drop-in that sets ExecStart= replaces the list.
func (u *unit) execStart() ([]systemdunit.Command, error) {
	cmds, err := u.file.Commands("ExecStart")
	if err != nil {
		return nil, err
	}
	for _, d := range u.dropIns {
		if len(d.Values(systemdunit.ServiceSection, "ExecStart")) == 0 {
			continue
		}
		if cmds, err = d.Commands("ExecStart"); err != nil {
			return nil, err
		}
	}
	return cmds, nil
}

// environmentFiles returns the files the unit reads with EnvironmentFile=,
// as absolute paths without the "-" prefix.
func (u *unit) environmentFiles() []string {
	var out []string
	for _, f := range append([]*systemdunit.File{u.file}, u.dropIns...) {
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

// planDocker writes the Docker daemon's proxy drop-in, then reloads systemd
// and restarts Docker when it changed.
// It returns the actions that restart Docker.
func planDocker(n *node.Node, s proxyenv.Settings) ([]string, error) {
	u, err := findUnit(n, "docker.service", "http-proxy")
	if err != nil {
		return nil, err
	}
	if u == nil {
		n.Note("no docker.service: Docker left alone")
		return nil, nil
	}
	env, warns := s.DockerDaemonEnv()
	for _, w := range warns {
		n.Warn("/"+dockerDropIn, "%s", warningText(w))
	}
	restart := []string{n.DaemonReload(), n.Restart("docker.service")}
	n.Edit(plan.Step{
		Path:    dockerDropIn,
		Edit:    systemdunit.DropIn{Environment: env}.Edit,
		Why:     "proxy for the Docker daemon (image pulls)",
		Secret:  hasCredentials(s),
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
	if err != nil {
		return nil, fmt.Errorf("java proxy properties: %w", err)
	}
	if hasCredentials(s) {
		// Basic authentication through a proxy for https:// needs it
		// enabled again; a value DC/OS set ("NTLM") is kept.
		props.List = append(props.List, jvmflags.AllowTunnelingSchemes())
	}
	names := slices.Clone(javaServices)
	for _, dir := range unitDirs {
		for _, p := range n.Glob(dir + "/dcos-*.service") {
			if name := path.Base(p); !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	var done, restarts []string
	for _, name := range names {
		u, err := findUnit(n, name, dropInName)
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
func planJavaService(n *node.Node, u *unit, props jvmflags.Properties, known bool) (bool, error) {
	cmds, err := u.execStart()
	if err != nil {
		return false, fmt.Errorf("unit %s: %w", u.name, err)
	}
	if len(cmds) != 1 {
		if known {
			n.Warn(u.name, "has %d ExecStart= commands; left alone: set the Java proxy properties by hand", len(cmds))
		}
		return false, nil
	}
	cmd := cmds[0]
	dropIn, err := systemdunit.DropInPath(u.name, dropInName)
	if err != nil {
		return false, err
	}
	patch := jvmflags.Patch{Set: props.List, Before: []string{"-classpath", "-cp", "--class-path"}}
	argv, kept, err := patch.Apply(cmd.Argv)
	switch {
	case err == nil:
		for _, k := range kept {
			n.Note("%s keeps its own -D%s=%s", u.name, k.Key, k.Value)
		}
		cmd.Argv = argv
		n.Edit(plan.Step{
			Path:    dropIn,
			Edit:    systemdunit.DropIn{ExecStart: []systemdunit.Command{cmd}}.Edit,
			Why:     "Java proxy properties for " + u.name + " (the JVM ignores http_proxy)",
			Actions: []string{n.DaemonReload(), n.Restart(u.name)},
		})
		return true, nil
	case !known:
		return false, nil
	}
	// A start script runs java: hand the properties to every JVM the
	// service starts through JAVA_TOOL_OPTIONS.
	env, _ := u.environment()
	current := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "JAVA_TOOL_OPTIONS="); ok {
			current = v
		}
	}
	opts, kept, terr := patch.ApplyToolOptions(current)
	if terr != nil {
		n.Warn(u.name, "its ExecStart= is not a java command line (%v) and JAVA_TOOL_OPTIONS cannot carry the properties (%v): set them by hand", err, terr)
		return false, nil
	}
	for _, k := range kept {
		n.Note("%s keeps its own -D%s=%s", u.name, k.Key, k.Value)
	}
	n.Warn(u.name, "is started by %s, not by java: the Java proxy properties go into JAVA_TOOL_OPTIONS, which every JVM it starts reads (each prints \"Picked up JAVA_TOOL_OPTIONS\" on stderr)", cmd.Argv[0])
	n.Edit(plan.Step{
		Path:    dropIn,
		Edit:    systemdunit.DropIn{Environment: []string{"JAVA_TOOL_OPTIONS=" + opts}}.Edit,
		Why:     "Java proxy properties for " + u.name + " through JAVA_TOOL_OPTIONS",
		Actions: []string{n.DaemonReload(), n.Restart(u.name)},
	})
	return true, nil
}

// environment returns the unit's effective Environment= assignments.
func (u *unit) environment() ([]string, error) {
	var env []string
	for _, f := range append([]*systemdunit.File{u.file}, u.dropIns...) {
		e, err := f.Environment()
		if err != nil {
			return nil, err
		}
		env = append(env, e...)
	}
	return env, nil
}

// warnDCOSServices warns about what dcos-node cannot fix: services that read
// the proxy from proxy.env themselves (they must be restarted to see a
// change), and dcos-oauth, which cannot use a proxy at all.
func warnDCOSServices(n *node.Node) {
	var readers []string
	for _, dir := range unitDirs {
		for _, p := range n.Glob(dir + "/dcos-*.service") {
			name := path.Base(p)
			if slices.Contains(readers, name) {
				continue
			}
			u, err := findUnit(n, name, dropInName)
			if err != nil || u == nil {
				continue
			}
			if slices.Contains(u.environmentFiles(), "/"+proxyEnvPath) && !slices.Contains(javaServices, name) {
				readers = append(readers, name)
			}
		}
	}
	if len(readers) > 0 {
		slices.Sort(readers)
		n.Warn("/"+proxyEnvPath, "%s read the proxy from this file themselves (EnvironmentFile=); "+
			"they see a change only once restarted: systemctl restart %s", strings.Join(readers, ", "), strings.Join(readers, " "))
	}
	if u, _ := findUnit(n, "dcos-oauth.service", dropInName); u != nil {
		n.Warn("dcos-oauth.service", "fetches its login provider's signing keys (https://dcos.auth0.com/.well-known/jwks.json) directly "+
			"and cannot use a proxy: logins fail unless this master may reach dcos.auth0.com:443 without one")
	}
}
