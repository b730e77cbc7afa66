package jvmflags

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

// ServiceOptions say which systemd services [Services] looks at and what
// its drop-in is called.
type ServiceOptions struct {
	// Known are services that run on the JVM even when a start script hides
	// the java command line ("dcos-marathon.service"): their properties go
	// into JAVA_TOOL_OPTIONS when ExecStart= is not a java command line.
	Known []string
	// Patterns are unit-name patterns ([path.Match] syntax) looked up in
	// every directory of [systemdunit.UnitDirs] ("dcos-*.service"): each
	// match whose ExecStart= runs java is patched too; others are skipped.
	Patterns []string
	// DropIn is the name of the drop-in written, without ".conf";
	// "" means "proxykit-proxy".
	DropIn string
	// ToolOptions gives a service whose ExecStart= runs java the properties
	// through JAVA_TOOL_OPTIONS in an Environment= drop-in, which keeps
	// working when an upgrade changes the unit's command line, wherever the
	// command line does not set one of them to another value (its -D would
	// win over JAVA_TOOL_OPTIONS); ExecStart= is replaced only there.
	ToolOptions bool
}

// ServiceChange is the drop-in that gives one Java service the properties.
type ServiceChange struct {
	// Unit is the service: "dcos-cosmos.service".
	Unit string
	// Path is the drop-in to write, root-relative, and Edit its edit.
	Path string
	Edit Edit
	// Why says what the change is, for a person.
	Why string
	// Kept are the properties the service sets itself, kept (see
	// [Patch.Apply]).
	Kept []Property
	// Script is the start script that hides the java command line when the
	// properties go into JAVA_TOOL_OPTIONS, which every JVM it starts reads;
	// "" when ExecStart= is patched.
	Script string
	// Overrides are what would hide the drop-in from systemd: later
	// drop-ins that set JAVA_TOOL_OPTIONS, or ExecStart= where the drop-in
	// sets ExecStart= itself, environment files that set JAVA_TOOL_OPTIONS.
	Overrides []systemdunit.Override
}

// ServiceLeft is a service [Services] leaves alone, with the reason.
type ServiceLeft struct {
	Unit   string
	Reason string
	Err    error // wraps [systemdunit.ErrBadSetting], [ErrExecStart], [ErrNotJava], …
}

// Services finds the Java services of the node whose root file system is
// fsys — the known ones and those matching the patterns whose ExecStart=
// runs java — and returns, for each, the drop-in that sets the properties
// of p: ExecStart= replaced by the java command line carrying them (see
// [Patch.DropIn]), or, for a known service started by a script,
// JAVA_TOOL_OPTIONS. The drop-in is computed from the unit without the
// drop-in itself, so that after an upgrade changes the command line, the
// drop-in is rewritten from the new one instead of pinning the old one.
// Services a known name does not find, masked ones and matches that are not
// Java are skipped; known services that cannot be patched, and units systemd
// refuses to load, are left with the reason. Services only reads fsys.
func Services(fsys fs.FS, p Patch, o ServiceOptions) ([]ServiceChange, []ServiceLeft, error) {
	dropIn := o.DropIn
	if dropIn == "" {
		dropIn = "proxykit-proxy"
	}
	names := slices.Clone(o.Known)
	found, err := systemdunit.Find(fsys, o.Patterns...)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range found {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	var changes []ServiceChange
	var left []ServiceLeft
	for _, name := range names {
		u, err := systemdunit.Load(fsys, name)
		switch {
		case errors.Is(err, systemdunit.ErrNotFound), errors.Is(err, systemdunit.ErrMasked):
			continue
		case err != nil:
			return nil, nil, err
		}
		c, l, err := service(fsys, u, p, dropIn, slices.Contains(o.Known, name), o.ToolOptions)
		switch {
		case err != nil:
			return nil, nil, err
		case c != nil:
			changes = append(changes, *c)
		case l != nil:
			left = append(left, *l)
		}
	}
	return changes, left, nil
}

// service plans the drop-in of one service; both results nil for a service
// that is not Java.
func service(fsys fs.FS, u *systemdunit.Unit, p Patch, dropIn string, known, toolOptions bool) (*ServiceChange, *ServiceLeft, error) {
	dropPath, err := systemdunit.DropInPath(u.Name, dropIn)
	if err != nil {
		return nil, nil, err
	}
	u = systemdunit.Merge(u.Name, nil, slices.DeleteFunc(slices.Clone(u.Files), func(f *systemdunit.File) bool {
		return strings.TrimPrefix(f.Name, "/") == dropPath
	})...)
	edit, kept, err := p.DropIn(u)
	// JAVA_TOOL_OPTIONS does not depend on the command line: a later
	// drop-in's ExecStart= hides only a drop-in that sets ExecStart=.
	viaToolOptions := err == nil && toolOptions && !commandOverrides(u, p, kept)
	var overrides []systemdunit.Override
	if err == nil || known {
		eff, eerr := u.Effective(fsys)
		if eerr == nil {
			overrides = eff.Overrides(dropIn+".conf", []string{"JAVA_TOOL_OPTIONS"}, err == nil && !viaToolOptions)
		}
	}
	switch {
	case viaToolOptions:
		c, l, terr := toolOptionsChange(u, p, dropPath, "", overrides)
		if c != nil {
			// The command line's own -D wins over JAVA_TOOL_OPTIONS. The
			// value stays in JAVA_TOOL_OPTIONS all the same, so that the
			// drop-in does not depend on the command line: if an upgrade
			// drops the flag, the JVM takes the patch's value.
			c.Kept = kept
		}
		return c, l, terr
	case err == nil:
		return &ServiceChange{Unit: u.Name, Path: dropPath, Edit: edit, Kept: kept, Overrides: overrides,
			Why: "Java proxy properties for " + u.Name + " (the JVM ignores http_proxy)"}, nil, nil
	case errors.Is(err, systemdunit.ErrBadSetting):
		return nil, &ServiceLeft{Unit: u.Name, Reason: fmt.Sprintf("systemd refuses to load it: %v", err), Err: err}, nil
	case !known:
		return nil, nil, nil
	case !errors.Is(err, ErrNotJava):
		return nil, &ServiceLeft{Unit: u.Name, Reason: fmt.Sprintf("%v; set the Java proxy properties by hand", err), Err: err}, nil
	}
	// A start script runs java: hand the properties to every JVM the
	// service starts through JAVA_TOOL_OPTIONS.
	script := "a start script"
	if cmds, cerr := u.Commands("ExecStart"); cerr == nil && len(cmds) == 1 && len(cmds[0].Argv) > 0 {
		script = cmds[0].Argv[0]
	}
	c, l, terr := toolOptionsChange(u, p, dropPath, script, overrides)
	if l != nil {
		l.Reason = fmt.Sprintf("its ExecStart= is not a java command line (%v) and JAVA_TOOL_OPTIONS cannot carry the properties (%v): set them by hand", err, l.Err)
	}
	return c, l, terr
}

// toolOptionsChange is the drop-in that gives the service the properties
// through JAVA_TOOL_OPTIONS, keeping what the unit's own value holds; script
// is the start script that hides the java command line, "" for none.
func toolOptionsChange(u *systemdunit.Unit, p Patch, dropPath, script string, overrides []systemdunit.Override) (*ServiceChange, *ServiceLeft, error) {
	env, _ := u.Environment()
	current := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "JAVA_TOOL_OPTIONS="); ok {
			current = v
		}
	}
	opts, kept, terr := p.ApplyToolOptions(current)
	if terr != nil {
		return nil, &ServiceLeft{Unit: u.Name, Err: terr,
			Reason: fmt.Sprintf("JAVA_TOOL_OPTIONS cannot carry the properties (%v): set them by hand", terr)}, nil
	}
	return &ServiceChange{Unit: u.Name, Path: dropPath, Kept: kept, Script: script, Overrides: overrides,
		Edit: systemdunit.DropIn{Environment: []string{"JAVA_TOOL_OPTIONS=" + opts}}.Edit,
		Why:  "Java proxy properties for " + u.Name + " through JAVA_TOOL_OPTIONS"}, nil, nil
}

// commandOverrides reports whether the unit's java command line sets one
// of the properties of p to a value of its own that p replaces: a -D on the
// command line wins over JAVA_TOOL_OPTIONS, so only ExecStart= can set it.
func commandOverrides(u *systemdunit.Unit, p Patch, kept []Property) bool {
	cmds, err := u.Commands("ExecStart")
	if err != nil || len(cmds) != 1 {
		return true
	}
	c, err := ParseCommand(cmds[0].Argv)
	if err != nil {
		return true
	}
	for _, prop := range p.Set {
		if slices.ContainsFunc(kept, func(k Property) bool { return k.Key == prop.Key }) {
			continue
		}
		if v, ok := c.Property(prop.Key); ok && v != prop.Value {
			return true
		}
	}
	return false
}

// DCOSServices are the DC/OS services that run on the JVM, found by name
// even when a start script hides the java command line; any other
// dcos-*.service whose ExecStart= runs java is found by [DCOSServiceOptions]'s
// pattern.
var DCOSServices = []string{"dcos-cosmos.service", "dcos-marathon.service", "dcos-metronome.service"}

// DCOSServiceOptions finds the Java services of a DC/OS node ([DCOSServices]
// and every dcos-*.service that runs java) and gives them the properties
// through JAVA_TOOL_OPTIONS in the drop-in named dropIn, which keeps working
// when a DC/OS upgrade changes their command lines.
func DCOSServiceOptions(dropIn string) ServiceOptions {
	return ServiceOptions{Known: DCOSServices, Patterns: []string{"dcos-*.service"}, DropIn: dropIn, ToolOptions: true}
}

// ServicePlan is what [ProxyServices] found: the properties, with what they
// cannot carry, and the drop-in of each Java service, or the reason it is
// left alone.
type ServicePlan struct {
	Properties
	Changes []ServiceChange
	Left    []ServiceLeft
}

// ProxyServices is [Services] for the proxy settings s: it gives every Java
// service of the node the properties of [ProxyProperties] — with
// [AllowTunnelingSchemes] when s holds credentials, as Basic authentication
// through a proxy for https:// URLs needs it (a value the service sets
// itself, "NTLM", is kept) — placed before the class path options
// ([ClassPathOptions]). It returns the errors of [ProxyProperties] as they
// are: one wraps [ErrProxyScheme] when Java cannot use the proxy at all.
func ProxyServices(fsys fs.FS, s proxyenv.Settings, o ServiceOptions) (ServicePlan, error) {
	props, err := ProxyProperties(s)
	if err != nil {
		return ServicePlan{}, err
	}
	if s.HasCredentials() {
		props.List = append(props.List, AllowTunnelingSchemes())
	}
	changes, left, err := Services(fsys, Patch{Set: props.List, Before: ClassPathOptions}, o)
	if err != nil {
		return ServicePlan{}, err
	}
	return ServicePlan{Properties: props, Changes: changes, Left: left}, nil
}

// Notes say, for a person, what the service keeps of its own: each
// property it sets itself ([ServiceChange.Kept]).
func (c ServiceChange) Notes() []string {
	var out []string
	for _, k := range c.Kept {
		out = append(out, fmt.Sprintf("%s keeps its own -D%s=%s", c.Unit, k.Key, k.Value))
	}
	return out
}

// Warnings say, for a person, what may keep the properties from the
// service: each [ServiceChange.Overrides] that hides the drop-in, and a
// start script between systemd and java.
func (c ServiceChange) Warnings() []string {
	var out []string
	ours := path.Base(c.Path)
	for _, o := range c.Overrides {
		switch {
		case o.EnvironmentFile:
			out = append(out, fmt.Sprintf("reads /%s with EnvironmentFile=, which sets %s and overrides every Environment= line, ours included; remove them there",
				o.File, strings.Join(o.Keys, ", ")))
		default:
			if o.ExecStart {
				out = append(out, fmt.Sprintf("the drop-in /%s sorts after %s and sets ExecStart=: systemd takes its command line, "+
					"without the Java proxy properties; merge the two or rename it to sort first", o.File, ours))
			}
			if len(o.Keys) > 0 {
				out = append(out, fmt.Sprintf("the drop-in /%s sorts after %s and sets %s: systemd takes its values; remove them there",
					o.File, ours, strings.Join(o.Keys, ", ")))
			}
		}
	}
	if c.Script != "" {
		out = append(out, fmt.Sprintf("is started by %s, not by java: the Java proxy properties go into JAVA_TOOL_OPTIONS, which every JVM it starts reads (each prints \"Picked up JAVA_TOOL_OPTIONS\" on stderr)", c.Script))
	}
	return out
}
