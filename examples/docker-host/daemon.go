package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

// Where the Docker daemon's configuration lives, relative to the root.
const (
	dockerUnit     = "docker.service"
	dropInName     = "http-proxy"
	daemonJSONPath = "etc/docker/daemon.json"
)

// unitDirs are the directories systemd loads system units from, in
// priority order (systemd 252's search path without the runtime-only
// generator and control directories).
var unitDirs = []string{
	"etc/systemd/system",
	"run/systemd/system",
	"usr/local/lib/systemd/system",
	"usr/lib/systemd/system",
	"lib/systemd/system",
}

// proxyVars are the variables the daemon's proxy is made of; proxykit owns
// them in its drop-in.
var proxyVars = []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "FTP_PROXY", "ftp_proxy"}

// proxyFlags are dockerd's command-line proxy options: with the same
// settings in daemon.json, dockerd refuses to start.
var proxyFlags = []string{"--http-proxy", "--https-proxy", "--no-proxy"}

// unitFile is one file systemd reads for a unit: the unit itself or a
// drop-in.
type unitFile struct {
	path string // root-relative, as found (before links are followed)
	data []byte
	file *systemdunit.File
}

// dockerUnitFiles returns docker.service and its drop-ins in the order
// systemd reads them: the unit from the first directory that has it, then
// every docker.service.d/*.conf, a name in an earlier directory hiding the
// same name in a later one, sorted by file name. override replaces the
// content of the named paths (the planned drop-in). masked reports a unit
// linked to /dev/null.
func dockerUnitFiles(n *node.Node, override map[string][]byte) (files []unitFile, masked bool, err error) {
	read := func(p string) ([]byte, bool) {
		if b, ok := override[p]; ok {
			return b, b != nil
		}
		b, err := n.ReadFile(p)
		return b, err == nil
	}
	seenDir := map[string]bool{}
	var unit *unitFile
	dropins := map[string]string{} // file name → path
	for _, dir := range unitDirs {
		real, err := n.Resolve(dir)
		if err != nil || seenDir[real] {
			continue // missing, or the same directory as an earlier one (merged /usr)
		}
		seenDir[real] = true
		if unit == nil {
			p := path.Join(dir, dockerUnit)
			if r, err := n.Resolve(p); err == nil && r == "dev/null" {
				return nil, true, nil
			}
			if b, ok := read(p); ok {
				unit = &unitFile{path: p, data: b}
			}
		}
		entries, err := fs.ReadDir(n.FS, path.Join(real, dockerUnit+".d"))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".conf") && dropins[e.Name()] == "" {
				dropins[e.Name()] = path.Join(dir, dockerUnit+".d", e.Name())
			}
		}
	}
	for p, b := range override {
		if b != nil && strings.HasPrefix(path.Dir(p), path.Join(unitDirs[0], dockerUnit+".d")) && dropins[path.Base(p)] == "" {
			dropins[path.Base(p)] = p
		}
	}
	if unit != nil {
		files = append(files, *unit)
	}
	names := make([]string, 0, len(dropins))
	for name := range dropins {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		b, ok := read(dropins[name])
		if !ok {
			continue
		}
		files = append(files, unitFile{path: dropins[name], data: b})
	}
	for i := range files {
		f, err := systemdunit.ParseNamed("/"+files[i].path, files[i].data)
		if err != nil {
			return nil, false, fmt.Errorf("/%s: %w", files[i].path, err)
		}
		files[i].file = f
	}
	return files, false, nil
}

// effectiveEnv returns the [Service] environment systemd computes from
// files read in order: a later assignment of a name replaces the earlier
// one, an empty Environment= resets the list. For each name, it also says
// which file set it last.
//
// systemdunit computes this for one file; across files it is done here (a
// reset within a drop-in is honoured through that file's own Environment,
// a reset across files by the empty assignment check below).
func effectiveEnv(files []unitFile) (env []string, from map[string]string) {
	from = map[string]string{}
	for _, f := range files {
		if slices.Contains(f.file.Values(systemdunit.ServiceSection, "Environment"), "") {
			env, from = nil, map[string]string{}
		}
		fe, _ := f.file.Environment()
		for _, kv := range fe {
			name, _, _ := strings.Cut(kv, "=")
			i := slices.IndexFunc(env, func(e string) bool { return strings.HasPrefix(e, name+"=") })
			if i >= 0 {
				env[i] = kv
			} else {
				env = append(env, kv)
			}
			from[name] = f.path
		}
	}
	return env, from
}

// execStart returns the effective ExecStart= commands of files read in order.
func execStart(files []unitFile) ([]systemdunit.Command, string) {
	for i := len(files) - 1; i >= 0; i-- {
		cmds, err := files[i].file.Commands("ExecStart")
		if err == nil && len(cmds) > 0 {
			return cmds, files[i].path
		}
	}
	return nil, ""
}

// planDaemon plans the daemon's proxy: a drop-in, or daemon.json with
// -daemon-json, and cleans the other place, since dockerd must not get its
// proxy from two places.
func (o *options) planDaemon(n *node.Node, s proxyenv.Settings) error {
	dropPath, err := systemdunit.DropInPath(dockerUnit, dropInName)
	if err != nil {
		return err
	}
	files, masked, err := dockerUnitFiles(n, nil)
	if err != nil {
		return err
	}
	switch {
	case masked:
		n.Warn(dockerUnit, "the unit is masked (linked to /dev/null): the daemon's proxy is written but Docker will not start")
	case len(files) == 0 || files[0].path == "" || !strings.HasSuffix(files[0].path, "/"+dockerUnit):
		n.Warn(dockerUnit, "not found in %s: is Docker installed? the configuration is written for when it is", strings.Join(unitDirs, ", "))
	}
	secret := hasCredentials(s)
	reload, restart := n.DaemonReload(), n.Restart(dockerUnit)

	if o.daemonJSON {
		if cmds, where := execStart(files); len(cmds) > 0 {
			for _, c := range cmds {
				for _, a := range c.Argv {
					for _, f := range proxyFlags {
						if a == f || strings.HasPrefix(a, f+"=") {
							return fmt.Errorf("/%s: ExecStart passes %s to dockerd; with proxies in daemon.json too, dockerd refuses to start: remove the flag, or leave out -daemon-json", where, f)
						}
					}
				}
			}
		}
		for _, f := range files {
			if f.path == dropPath {
				continue
			}
			fe, _ := f.file.Environment()
			for _, kv := range fe {
				if name, _, _ := strings.Cut(kv, "="); slices.Contains(proxyVars, name) {
					return fmt.Errorf("/%s sets %s for dockerd too; with -daemon-json the proxy must come from daemon.json alone: remove it there, or leave out -daemon-json", f.path, name)
				}
			}
		}
		edit, warns, err := s.DockerDaemonJSON()
		if err != nil {
			return fmt.Errorf("/%s: %w", daemonJSONPath, err)
		}
		warnAll(n, daemonJSONPath, warns)
		n.Edit(plan.Step{Path: daemonJSONPath, Edit: plan.Edit(edit), Secret: secret,
			Why: "the daemon's proxy in daemon.json (Docker 23+)", Actions: []string{restart}})
		if b, err := n.ReadFile(dropPath); err == nil && setsProxy(b) {
			n.Warn("/"+dropPath, "its proxy variables are removed: with -daemon-json the daemon's proxy comes from daemon.json alone")
			n.Edit(plan.Step{Path: dropPath, Edit: systemdunit.DropIn{Unset: proxyVars}.Edit, Secret: secret,
				Why: "proxy moved to daemon.json", Actions: []string{reload, restart}})
		}
		n.Warn("/"+daemonJSONPath, "proxies in daemon.json need Docker Engine 23 or later; older daemons refuse to start with an unknown key")
		return nil
	}

	if b, err := n.ReadFile(daemonJSONPath); err == nil && daemonJSONProxies(b) {
		clean, _, err := proxyenv.Settings{}.DockerDaemonJSON()
		if err != nil {
			return err
		}
		n.Warn("/"+daemonJSONPath, "its \"proxies\" are removed: they would override the drop-in's environment; use -daemon-json to keep the proxy there instead")
		n.Edit(plan.Step{Path: daemonJSONPath, Edit: plan.Edit(clean), Why: "proxy moved to the drop-in", Actions: []string{restart}})
	}
	env, warns := s.DockerDaemonEnv()
	warnAll(n, dropPath, warns)
	var unset []string
	for _, v := range proxyVars {
		if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, v+"=") }) {
			unset = append(unset, v)
		}
	}
	drop := systemdunit.DropIn{Environment: env, Unset: unset}
	n.Edit(plan.Step{Path: dropPath, Edit: drop.Edit, Secret: secret,
		Why: "the daemon's proxy (drop-in of docker.service)", Actions: []string{reload, restart}})

	// Read docker.service as systemd will after apply, to catch a drop-in
	// that sorts after ours and overrides it.
	old, err := n.ReadFile(dropPath)
	if err != nil {
		old = nil
	}
	planned, err := drop.Edit(old)
	if err != nil {
		return fmt.Errorf("/%s: %w", dropPath, err)
	}
	after, _, err := dockerUnitFiles(n, map[string][]byte{dropPath: planned})
	if err != nil {
		return err
	}
	eff, from := effectiveEnv(after)
	var wrong []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(eff, kv) {
			wrong = append(wrong, fmt.Sprintf("%s (set by /%s)", name, from[name]))
		}
	}
	if len(wrong) > 0 {
		n.Warn(dockerUnit, "after apply, systemd still takes %s from another file, which overrides /%s: remove it there", strings.Join(wrong, ", "), dropPath)
	}
	names := make([]string, 0, len(after))
	for _, f := range after {
		names = append(names, "/"+f.path)
	}
	n.Note("%s as systemd reads it after apply: %s", dockerUnit, strings.Join(names, ", "))
	return nil
}

// setsProxy reports whether a unit file's environment has a proxy variable.
func setsProxy(b []byte) bool {
	f, err := systemdunit.Parse(b)
	if err != nil {
		return false
	}
	env, _ := f.Environment()
	return slices.ContainsFunc(env, func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(proxyVars, name)
	})
}

// daemonJSONProxies reports whether daemon.json sets any proxy.
func daemonJSONProxies(b []byte) bool {
	var d struct {
		Proxies map[string]any `json:"proxies"`
	}
	if json.Unmarshal(b, &d) != nil {
		return false // the edit reports the file it cannot read
	}
	for _, k := range []string{"http-proxy", "https-proxy", "no-proxy"} {
		if v, ok := d.Proxies[k]; ok && v != "" {
			return true
		}
	}
	return false
}

// warnAll passes a format's warnings on to the report.
func warnAll(n *node.Node, p string, warns []proxyenv.Warning) {
	for _, w := range warns {
		n.Warn("/"+p, "%s", warningText(w))
	}
}

// warningText is a format's warning without its format name: the item, if
// any, and the message.
func warningText(w proxyenv.Warning) string {
	if w.Item != "" {
		return w.Item + ": " + w.Message
	}
	return w.Message
}

// hasCredentials reports whether any proxy carries a user or password.
func hasCredentials(s proxyenv.Settings) bool {
	for _, p := range []*proxyenv.Proxy{s.HTTPProxy, s.HTTPSProxy, s.FTPProxy} {
		if p != nil && p.HasCredentials() {
			return true
		}
	}
	return false
}
