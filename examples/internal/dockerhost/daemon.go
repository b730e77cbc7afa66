package dockerhost

import (
	"encoding/json"
	"errors"
	"fmt"
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
	// daemonEnvPath is the root-only file -daemon-env-file names in the
	// drop-in's EnvironmentFile=.
	daemonEnvPath = "etc/docker/proxy.env"
)

// proxyVars are the variables the daemon's proxy is made of; proxykit owns
// them in its drop-in.
var proxyVars = []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "FTP_PROXY", "ftp_proxy"}

// proxyFlags are dockerd's command-line proxy options: with the same
// settings in daemon.json, dockerd refuses to start.
var proxyFlags = []string{"--http-proxy", "--https-proxy", "--no-proxy"}

// loadDocker loads docker.service with its drop-ins as systemd does
// ([systemdunit.Load]). found is false when no unit file exists; masked when
// it is linked to /dev/null.
func loadDocker(n *node.Node) (u *systemdunit.Unit, found, masked bool, err error) {
	u, err = systemdunit.Load(n.FS, dockerUnit)
	switch {
	case errors.Is(err, systemdunit.ErrMasked):
		return u, true, true, nil
	case errors.Is(err, systemdunit.ErrNotFound):
		return u, false, false, nil
	case err != nil:
		return nil, false, false, err
	}
	return u, true, false, nil
}

// proxyFlag returns the first of dockerd's proxy options that the unit's
// effective ExecStart passes, or "".
func proxyFlag(u *systemdunit.Unit) string {
	cmds, err := u.Commands("ExecStart")
	if err != nil {
		return ""
	}
	for _, c := range cmds {
		for _, a := range c.Argv {
			for _, f := range proxyFlags {
				if a == f || strings.HasPrefix(a, f+"=") {
					return f
				}
			}
		}
	}
	return ""
}

// planDaemon plans the daemon's proxy: a drop-in, or daemon.json with
// -daemon-json, and cleans the other place, since dockerd must not get its
// proxy from two places.
func (o *options) planDaemon(n *node.Node, s proxyenv.Settings) error {
	dropPath, err := systemdunit.DropInPath(dockerUnit, dropInName)
	if err != nil {
		return err
	}
	unit, found, masked, err := loadDocker(n)
	if err != nil {
		return err
	}
	switch {
	case masked:
		n.Warn(dockerUnit, "the unit is masked (linked to /dev/null): the daemon's proxy is written but Docker will not start")
	case !found:
		n.Warn(dockerUnit, "no unit file under the root: is Docker installed? the configuration is written for when it is")
	default:
		if err := unit.Check(); err != nil {
			n.Warn(dockerUnit, "systemd refuses to load the unit (%v): the daemon's proxy is written but Docker will not start until the unit is fixed", err)
		}
	}
	secret := s.HasCredentials()
	reload, restart := n.DaemonReload(), n.Restart(dockerUnit)

	if o.daemonJSON {
		if f := proxyFlag(unit); f != "" {
			return fmt.Errorf("%s: ExecStart passes %s to dockerd; with proxies in daemon.json too, dockerd refuses to start: remove the flag, or leave out -daemon-json", dockerUnit, f)
		}
		eff, err := unit.Effective(n.FS)
		if err != nil {
			return err
		}
		for _, v := range eff.Environment {
			if slices.Contains(proxyVars, v.Name) && v.File != dropPath && v.File != daemonEnvPath {
				return fmt.Errorf("/%s sets %s for dockerd too; with -daemon-json the proxy must come from daemon.json alone: remove it there, or leave out -daemon-json", v.File, v.Name)
			}
		}
		edit, warns, err := s.DockerDaemonJSON()
		if err != nil {
			return fmt.Errorf("/%s: %w", daemonJSONPath, err)
		}
		n.WarnFormat(daemonJSONPath, warns)
		n.Edit(plan.Step{Path: daemonJSONPath, Edit: edit, Secret: secret,
			Why: "the daemon's proxy in daemon.json (Docker 23+)", Actions: []string{restart}})
		if b, err := n.ReadFile(dropPath); err == nil && (setsProxy(b) || namesEnvFile(b)) {
			n.Warn("/"+dropPath, "its proxy variables are removed: with -daemon-json the daemon's proxy comes from daemon.json alone")
			n.Edit(plan.Step{Path: dropPath, Edit: dropInEdit(systemdunit.DropIn{Unset: proxyVars}, false), Secret: secret,
				Why: "proxy moved to daemon.json", Actions: []string{reload, restart}})
		}
		if err := cleanEnvFile(n, restart); err != nil {
			return err
		}
		n.Warn("/"+daemonJSONPath, "proxies in daemon.json need Docker Engine 23 or later; older daemons refuse to start with an unknown key")
		return nil
	}

	clean, _, err := proxyenv.Settings{}.DockerDaemonJSON()
	if err != nil {
		return err
	}
	if b, err := n.ReadFile(daemonJSONPath); err == nil {
		// dockerd refuses to start with a daemon.json it cannot read:
		// restarting it for the drop-in would stop Docker.
		if _, err := clean(b); err != nil {
			return fmt.Errorf("/%s: %w; dockerd will not start with it: fix it first", daemonJSONPath, err)
		}
	}
	if b, err := n.ReadFile(daemonJSONPath); err == nil && daemonJSONProxies(b) {
		n.Warn("/"+daemonJSONPath, "its \"proxies\" are removed: they would override the drop-in's environment; use -daemon-json to keep the proxy there instead")
		n.Edit(plan.Step{Path: daemonJSONPath, Edit: clean, Why: "proxy moved to the drop-in", Actions: []string{restart}})
	}
	if f := proxyFlag(unit); f != "" {
		n.Warn(dockerUnit, "ExecStart passes %s to dockerd, which overrides the drop-in's environment: remove the flag", f)
	}
	env, warns := s.DockerDaemonEnv()
	var drop plan.Edit
	if o.envFile {
		edit, _, err := s.EtcEnvironment() // NAME="value" lines, as systemd's EnvironmentFile= reads them
		if err != nil {
			return fmt.Errorf("/%s: %w", daemonEnvPath, err)
		}
		n.Edit(plan.Step{Path: daemonEnvPath, Edit: edit, Secret: true, Mode: 0o600,
			Why: "the daemon's proxy, root-only (EnvironmentFile= of docker.service)", Actions: []string{restart}})
		drop = dropInEdit(systemdunit.DropIn{Unset: proxyVars}, true)
	} else {
		n.WarnFormat(dropPath, warns)
		var unset []string
		for _, v := range proxyVars {
			if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, v+"=") }) {
				unset = append(unset, v)
			}
		}
		drop = dropInEdit(systemdunit.DropIn{Environment: env, Unset: unset}, false)
		if err := cleanEnvFile(n, restart); err != nil {
			return err
		}
	}
	n.Edit(plan.Step{Path: dropPath, Edit: drop, Secret: secret,
		Why: "the daemon's proxy (drop-in of docker.service)", Actions: []string{reload, restart}})

	// Read docker.service as systemd will after apply, to catch a drop-in
	// that sorts after ours, or an environment file, that overrides it.
	planned, err := n.Planned(dropPath)
	if err != nil {
		return fmt.Errorf("/%s: %w", dropPath, err)
	}
	f, err := systemdunit.ParseNamed(dropPath, planned)
	if err != nil {
		return fmt.Errorf("/%s: %w", dropPath, err)
	}
	after := unit.WithDropIn(f)
	afterFS, err := n.After(daemonEnvPath)
	if err != nil {
		return fmt.Errorf("/%s: %w", daemonEnvPath, err)
	}
	eff, err := after.Effective(afterFS)
	if err != nil {
		return err
	}
	var wrong []string
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if v, ok := eff.Lookup(name); !ok || v.Value != value {
			wrong = append(wrong, fmt.Sprintf("%s (set by /%s)", name, v.File))
		}
	}
	if len(wrong) > 0 {
		n.Warn(dockerUnit, "after apply, systemd still takes %s from another file, which overrides /%s: remove it there", strings.Join(wrong, ", "), dropPath)
	}
	names := make([]string, 0, len(eff.Files))
	for _, f := range eff.Files {
		names = append(names, "/"+f)
	}
	n.Note("%s as systemd reads it after apply: %s", dockerUnit, strings.Join(names, ", "))
	var shown []string
	for _, v := range eff.Environment {
		name, value := v.Name, v.Value
		switch name {
		case "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY":
			if p, err := proxyenv.ParseProxy(value); err == nil {
				value = p.String()
			} else {
				value = "(unparsable)"
			}
		case "NO_PROXY":
		default:
			continue
		}
		shown = append(shown, name+"="+value)
	}
	n.Note("%s proxy environment after apply: %s", dockerUnit, strings.Join(shown, " "))
	return nil
}

// dropInEdit is the edit of proxykit's drop-in: d, then EnvironmentFile=
// naming daemonEnvPath when envFile, or no such line otherwise.
func dropInEdit(d systemdunit.DropIn, envFile bool) plan.Edit {
	return func(old []byte) ([]byte, error) {
		b, err := d.Edit(old)
		if err != nil {
			return nil, err
		}
		f, err := systemdunit.Parse(b)
		if err != nil {
			return nil, err
		}
		values := f.Values(systemdunit.ServiceSection, "EnvironmentFile")
		kept := slices.DeleteFunc(slices.Clone(values), func(v string) bool { return v == "/"+daemonEnvPath })
		if envFile {
			kept = append(kept, "/"+daemonEnvPath)
		}
		if !slices.Equal(kept, values) {
			if err := f.SetList(systemdunit.ServiceSection, "EnvironmentFile", kept); err != nil {
				return nil, err
			}
		}
		return f.Bytes(), nil
	}
}

// namesEnvFile reports whether a drop-in names daemonEnvPath.
func namesEnvFile(b []byte) bool {
	f, err := systemdunit.Parse(b)
	return err == nil && slices.Contains(f.Values(systemdunit.ServiceSection, "EnvironmentFile"), "/"+daemonEnvPath)
}

// cleanEnvFile empties the proxy lines of the environment file a previous
// -daemon-env-file wrote, when it exists.
func cleanEnvFile(n *node.Node, restart string) error {
	b, err := n.ReadFile(daemonEnvPath)
	if err != nil {
		return nil
	}
	if env, err := systemdunit.ParseEnvironmentFile(b); err == nil && !slices.ContainsFunc(env, isProxyVar) {
		return nil
	}
	edit, _, err := proxyenv.Settings{}.EtcEnvironment()
	if err != nil {
		return err
	}
	n.Warn("/"+daemonEnvPath, "its proxy variables are removed: the daemon's proxy is now written elsewhere")
	n.Edit(plan.Step{Path: daemonEnvPath, Edit: edit, Secret: true, Why: "proxy moved out of the environment file", Actions: []string{restart}})
	return nil
}

// setsProxy reports whether a unit file's environment has a proxy variable.
func setsProxy(b []byte) bool {
	f, err := systemdunit.Parse(b)
	if err != nil {
		return false
	}
	env, _ := f.Environment()
	return slices.ContainsFunc(env, isProxyVar)
}

// isProxyVar reports whether a KEY=value assignment sets a proxy variable.
func isProxyVar(kv string) bool {
	name, _, _ := strings.Cut(kv, "=")
	return slices.Contains(proxyVars, name)
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
