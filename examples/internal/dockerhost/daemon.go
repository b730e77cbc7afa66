package dockerhost

import (
	"encoding/json"
	"errors"
	"fmt"
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
// ([systemdunit.Load]). With planned not nil, the drop-in at dropPath reads
// as planned, as it will after apply. found is false when no unit file
// exists; masked when it is linked to /dev/null.
func loadDocker(n *node.Node, dropPath string, planned []byte) (u *systemdunit.Unit, found, masked bool, err error) {
	u, err = systemdunit.Load(n.FS, dockerUnit)
	switch {
	case errors.Is(err, systemdunit.ErrMasked):
		return u, true, true, nil
	case errors.Is(err, systemdunit.ErrNotFound):
		found = false
	case err != nil:
		return nil, false, false, err
	default:
		found = true
	}
	if planned == nil {
		return u, found, false, nil
	}
	f, err := systemdunit.ParseNamed(dropPath, planned)
	if err != nil {
		return nil, found, false, fmt.Errorf("/%s: %w", dropPath, err)
	}
	first := 0
	if found {
		first = 1
	}
	base := path.Base(dropPath)
	for i := first; i < len(u.Files); i++ {
		switch b := path.Base(u.Files[i].Name); {
		case u.Files[i].Name == dropPath:
			u.Files[i] = f
			return u, found, false, nil
		case b == base:
			if precedence(u.Files[i].Name) < precedence(dropPath) {
				return u, found, false, nil // hidden by a drop-in of higher precedence
			}
			u.Files[i] = f // ours hides this one
			return u, found, false, nil
		case b > base:
			u.Files = slices.Insert(u.Files, i, f)
			return u, found, false, nil
		}
	}
	u.Files = append(u.Files, f)
	return u, found, false, nil
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

// precedence returns the rank of the unit directory holding the drop-in at
// p in [systemdunit.UnitDirs]: lower wins.
func precedence(p string) int {
	for i, d := range systemdunit.UnitDirs {
		if strings.HasPrefix(p, d+"/") {
			return i
		}
	}
	return len(systemdunit.UnitDirs)
}

// setBy returns, for each variable the unit's environment assigns, the
// file that assigns it last.
func setBy(u *systemdunit.Unit) map[string]string {
	from := map[string]string{}
	for _, f := range u.Files {
		env, _ := f.Environment()
		for _, kv := range env {
			name, _, _ := strings.Cut(kv, "=")
			from[name] = f.Name
		}
	}
	return from
}

// planDaemon plans the daemon's proxy: a drop-in, or daemon.json with
// -daemon-json, and cleans the other place, since dockerd must not get its
// proxy from two places.
func (o *options) planDaemon(n *node.Node, s proxyenv.Settings) error {
	dropPath, err := systemdunit.DropInPath(dockerUnit, dropInName)
	if err != nil {
		return err
	}
	unit, found, masked, err := loadDocker(n, dropPath, nil)
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
		env, _ := unit.Environment()
		from := setBy(unit)
		for _, kv := range env {
			if name, _, _ := strings.Cut(kv, "="); slices.Contains(proxyVars, name) && from[name] != dropPath {
				return fmt.Errorf("/%s sets %s for dockerd too; with -daemon-json the proxy must come from daemon.json alone: remove it there, or leave out -daemon-json", from[name], name)
			}
		}
		edit, warns, err := s.DockerDaemonJSON()
		if err != nil {
			return fmt.Errorf("/%s: %w", daemonJSONPath, err)
		}
		warnAll(n, daemonJSONPath, warns)
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
	var fileEnv func() ([]string, error) // the environment file's variables after apply
	if o.envFile {
		edit, _, err := s.EtcEnvironment() // NAME="value" lines, as systemd's EnvironmentFile= reads them
		if err != nil {
			return fmt.Errorf("/%s: %w", daemonEnvPath, err)
		}
		n.Edit(plan.Step{Path: daemonEnvPath, Edit: edit, Secret: true, Mode: 0o600,
			Why: "the daemon's proxy, root-only (EnvironmentFile= of docker.service)", Actions: []string{restart}})
		drop = dropInEdit(systemdunit.DropIn{Unset: proxyVars}, true)
		fileEnv = func() ([]string, error) {
			old, err := n.ReadFile(daemonEnvPath)
			if err != nil {
				old = nil
			}
			b, err := edit(old)
			if err != nil {
				return nil, err
			}
			return readEnvFile(b), nil
		}
	} else {
		warnAll(n, dropPath, warns)
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
	// that sorts after ours and overrides it.
	old, err := n.ReadFile(dropPath)
	if err != nil {
		old = nil
	}
	planned, err := drop(old)
	if err != nil {
		return fmt.Errorf("/%s: %w", dropPath, err)
	}
	after, _, _, err := loadDocker(n, dropPath, planned)
	if err != nil {
		return err
	}
	eff, _ := after.Environment()
	from := setBy(after)
	if fileEnv != nil {
		// EnvironmentFile= values override Environment= ones.
		fe, err := fileEnv()
		if err != nil {
			return fmt.Errorf("/%s: %w", daemonEnvPath, err)
		}
		for _, kv := range fe {
			name, _, _ := strings.Cut(kv, "=")
			eff = slices.DeleteFunc(eff, func(e string) bool { return strings.HasPrefix(e, name+"=") })
			eff = append(eff, kv)
			from[name] = daemonEnvPath
		}
	}
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
	names := make([]string, 0, len(after.Files))
	for _, f := range after.Files {
		names = append(names, "/"+f.Name)
	}
	n.Note("%s as systemd reads it after apply: %s", dockerUnit, strings.Join(names, ", "))
	var shown []string
	for _, kv := range eff {
		name, value, _ := strings.Cut(kv, "=")
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
	if err != nil || len(readEnvFile(b)) == 0 {
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

// readEnvFile returns the proxy variables of an environment file written as
// NAME="value" lines (the form the edit writes); other lines are skipped.
func readEnvFile(b []byte) []string {
	var env []string
	for _, l := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok || !slices.Contains(proxyVars, name) {
			continue
		}
		env = append(env, name+"="+strings.Trim(value, `"`))
	}
	return env
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
