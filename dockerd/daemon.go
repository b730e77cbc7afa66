package dockerd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/edit"
	"github.com/proxykit/proxykit/internal/rootfs"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

// Where the Docker daemon's configuration lives, relative to the root.
const (
	// Unit is the daemon's systemd service.
	Unit = "docker.service"
	// DropInPath is the drop-in of [Unit] that carries the proxy: the file
	// Docker's documentation calls http-proxy.conf.
	DropInPath = "etc/systemd/system/docker.service.d/http-proxy.conf"
	// DaemonJSONPath is dockerd's configuration file, whose "proxies" Docker
	// Engine 23 and later read.
	DaemonJSONPath = "etc/docker/daemon.json"
	// EnvFilePath is the root-only file the drop-in names with
	// EnvironmentFile= when the proxy is kept [InEnvFile].
	EnvFilePath = "etc/docker/proxy.env"
)

// Place is where [Changes] puts the daemon's proxy. dockerd must take it
// from one place only: the others are cleaned.
type Place int

const (
	// InDropIn puts the proxy in Environment= lines of [DropInPath], as
	// Docker's documentation does. "systemctl show docker" prints them to
	// every local user, credentials included.
	InDropIn Place = iota
	// InEnvFile puts the proxy in the root-only [EnvFilePath], which the
	// drop-in names with EnvironmentFile=: no credential in a unit file.
	InEnvFile
	// InDaemonJSON puts the proxy in "proxies" of [DaemonJSONPath], which
	// Docker Engine 23 and later read; older daemons refuse to start with an
	// unknown key.
	InDaemonJSON
)

// ErrConflict is returned when the daemon would take its proxy from two
// places, one of which proxykit does not own: dockerd refuses to start with
// a proxy flag on its command line and proxies in daemon.json, and an
// environment variable set elsewhere would hide daemon.json's.
var ErrConflict = errors.New("the daemon's proxy would come from two places")

// proxyVars are the variables the daemon's proxy is made of; the drop-in
// owns them.
var proxyVars = []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "FTP_PROXY", "ftp_proxy"}

// proxyFlags are dockerd's command-line proxy options.
var proxyFlags = []string{"--http-proxy", "--https-proxy", "--no-proxy"}

// Plan is what [Changes] found: the files to write and what a person must
// know about them.
type Plan struct {
	// Changes are the files to write, in order. dockerd reads every one of
	// them only when it starts: once any changed, run systemctl
	// daemon-reload when [Change.Reload] says so, then restart [Unit].
	Changes []Change
	// Warnings are what the changes cannot fix, or what they remove, in
	// order found.
	Warnings []Warning
	// Unit is docker.service as systemd reads it today, drop-ins included;
	// Missing is true when no unit file exists (the changes are for when
	// Docker is installed), Masked when it is linked to /dev/null.
	Unit            *systemdunit.Unit
	Missing, Masked bool
	// After is docker.service's effective environment once the changes are
	// written ([systemdunit.Unit.Effective]); nil [InDaemonJSON].
	After *systemdunit.Effective
	// Overrides are the files that still set one of the proxy variables to
	// another value once the changes are written, which systemd takes over
	// ours: drop-ins read after ours, EnvironmentFile= files. Each is also
	// a warning.
	Overrides []systemdunit.Override
}

// ProxyEnvironment returns the proxy variables dockerd gets once the
// changes are written, from [Plan.After], as NAME=value with every
// credential redacted, for a person: HTTP_PROXY, HTTPS_PROXY, FTP_PROXY
// and NO_PROXY as set (the lower-case names carry the same values). A proxy
// that does not parse shows as "(unparsable)". Nil [InDaemonJSON].
func (p *Plan) ProxyEnvironment() []string {
	if p.After == nil {
		return nil
	}
	var out []string
	for _, v := range p.After.Environment {
		value := v.Value
		switch v.Name {
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
		out = append(out, v.Name+"="+value)
	}
	return out
}

// Change is one file to write: apply Edit to its current bytes (nil when it
// does not exist).
type Change struct {
	// Path is the file, relative to the root.
	Path string
	// Edit is pure and idempotent; it keeps what it does not own.
	Edit edit.Edit
	// Why says what the change is, for a person.
	Why string
	// Secret is true when the file may hold the proxy credentials.
	Secret bool
	// Mode is the mode of a new file: 0600 for [EnvFilePath]; 0 leaves it
	// to the writer.
	Mode fs.FileMode
	// Reload is true for a unit file: systemd reads it after systemctl
	// daemon-reload.
	Reload bool
}

// Warning is a risk or a loss, about Topic: [Unit], or a file as an
// absolute path ("/etc/docker/daemon.json").
type Warning struct {
	Topic, Message string
}

func (w Warning) String() string { return w.Topic + ": " + w.Message }

// Changes plans the Docker daemon's proxy from s on the node whose root
// file system is fsys (absolute links resolved inside it), at place:
//
//   - [InDropIn] and [InEnvFile] write [DropInPath] (and [EnvFilePath]),
//     remove "proxies" from daemon.json, which would override them, and the
//     proxy of the place not chosen; they refuse a daemon.json dockerd could
//     not read, since restarting it would stop Docker, and report what would
//     still override the drop-in once written ([Plan.Overrides]), reading
//     docker.service with its drop-ins and EnvironmentFile= files as systemd
//     will;
//   - [InDaemonJSON] writes "proxies" in daemon.json and removes the proxy
//     variables of the drop-in and the environment file; it refuses, with
//     [ErrConflict], a unit whose command line passes dockerd a proxy flag
//     or whose other files set a proxy variable.
//
// A missing, masked or refused docker.service is a warning: the files are
// planned all the same. Changes only reads fsys.
func Changes(fsys fs.FS, s proxyenv.Settings, place Place) (*Plan, error) {
	u, err := systemdunit.Load(fsys, Unit)
	p := &Plan{Unit: u}
	switch {
	case errors.Is(err, systemdunit.ErrMasked):
		p.Masked = true
		p.warn(Unit, "the unit is masked (linked to /dev/null): the daemon's proxy is written but Docker will not start")
	case errors.Is(err, systemdunit.ErrNotFound):
		p.Missing = true
		p.warn(Unit, "no unit file under the root: is Docker installed? the configuration is written for when it is")
	case err != nil:
		return nil, err
	default:
		if err := u.Check(); err != nil {
			p.warn(Unit, "systemd refuses to load the unit (%v): the daemon's proxy is written but Docker will not start until the unit is fixed", err)
		}
	}
	if place == InDaemonJSON {
		return p, p.daemonJSON(fsys, s)
	}
	return p, p.dropIn(fsys, s, place == InEnvFile)
}

func (p *Plan) warn(topic, format string, args ...any) {
	p.Warnings = append(p.Warnings, Warning{topic, fmt.Sprintf(format, args...)})
}

func (p *Plan) formatWarnings(path string, warns []proxyenv.Warning) {
	for _, w := range warns {
		if w.Item != "" {
			p.warn("/"+path, "%s: %s", w.Item, w.Message)
		} else {
			p.warn("/"+path, "%s", w.Message)
		}
	}
}

func (p *Plan) add(c Change) { p.Changes = append(p.Changes, c) }

// daemonJSON plans the proxy in daemon.json.
func (p *Plan) daemonJSON(fsys fs.FS, s proxyenv.Settings) error {
	if f := proxyFlag(p.Unit); f != "" {
		return fmt.Errorf("%w: %s: ExecStart passes %s to dockerd; with proxies in daemon.json too, dockerd refuses to start: remove the flag", ErrConflict, Unit, f)
	}
	eff, err := p.Unit.Effective(fsys)
	if err != nil {
		return err
	}
	for _, v := range eff.Environment {
		if slices.Contains(proxyVars, v.Name) && v.File != DropInPath && v.File != EnvFilePath {
			return fmt.Errorf("%w: /%s sets %s for dockerd too; with the proxy in daemon.json it must come from there alone: remove it there", ErrConflict, v.File, v.Name)
		}
	}
	e, warns, err := s.DockerDaemonJSON()
	if err != nil {
		return fmt.Errorf("/%s: %w", DaemonJSONPath, err)
	}
	p.formatWarnings(DaemonJSONPath, warns)
	secret := s.HasCredentials()
	p.add(Change{Path: DaemonJSONPath, Edit: e, Secret: secret, Why: "the daemon's proxy in daemon.json (Docker 23+)"})
	if b, err := readFile(fsys, DropInPath); err == nil && (setsProxy(b) || namesEnvFile(b)) {
		p.warn("/"+DropInPath, "its proxy variables are removed: the daemon's proxy comes from daemon.json alone")
		p.add(Change{Path: DropInPath, Edit: dropInEdit(systemdunit.DropIn{Unset: proxyVars}, false), Secret: secret,
			Why: "proxy moved to daemon.json", Reload: true})
	}
	if err := p.cleanEnvFile(fsys); err != nil {
		return err
	}
	p.warn("/"+DaemonJSONPath, "proxies in daemon.json need Docker Engine 23 or later; older daemons refuse to start with an unknown key")
	return nil
}

// dropIn plans the proxy in the drop-in, its values in the environment
// file when envFile.
func (p *Plan) dropIn(fsys fs.FS, s proxyenv.Settings, envFile bool) error {
	clean, _, err := proxyenv.Settings{}.DockerDaemonJSON()
	if err != nil {
		return err
	}
	if b, err := readFile(fsys, DaemonJSONPath); err == nil {
		// dockerd refuses to start with a daemon.json it cannot read:
		// restarting it for the drop-in would stop Docker.
		if _, err := clean(b); err != nil {
			return fmt.Errorf("/%s: %w; dockerd will not start with it: fix it first", DaemonJSONPath, err)
		}
		if daemonJSONProxies(b) {
			p.warn("/"+DaemonJSONPath, "its \"proxies\" are removed: they would override the drop-in's environment")
			p.add(Change{Path: DaemonJSONPath, Edit: clean, Why: "proxy moved to the drop-in"})
		}
	}
	if f := proxyFlag(p.Unit); f != "" {
		p.warn(Unit, "ExecStart passes %s to dockerd, which overrides the drop-in's environment: remove the flag", f)
	}
	env, warns := s.DockerDaemonEnv()
	secret := s.HasCredentials()
	var drop edit.Edit
	if envFile {
		e, _, err := s.EtcEnvironment() // NAME="value" lines, as systemd's EnvironmentFile= reads them
		if err != nil {
			return fmt.Errorf("/%s: %w", EnvFilePath, err)
		}
		p.add(Change{Path: EnvFilePath, Edit: e, Secret: true, Mode: 0o600,
			Why: "the daemon's proxy, root-only (EnvironmentFile= of docker.service)"})
		drop = dropInEdit(systemdunit.DropIn{Unset: proxyVars}, true)
	} else {
		p.formatWarnings(DropInPath, warns)
		var unset []string
		for _, v := range proxyVars {
			if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, v+"=") }) {
				unset = append(unset, v)
			}
		}
		drop = dropInEdit(systemdunit.DropIn{Environment: env, Unset: unset}, false)
		if err := p.cleanEnvFile(fsys); err != nil {
			return err
		}
	}
	p.add(Change{Path: DropInPath, Edit: drop, Secret: secret, Reload: true,
		Why: "the daemon's proxy (drop-in of docker.service)"})

	return p.after(fsys, env)
}

// after reads docker.service as systemd will once the changes are written,
// to catch a drop-in that sorts after ours, or an environment file, that
// overrides the variables of env.
func (p *Plan) after(fsys fs.FS, env []string) error {
	top := map[string][]byte{}
	for _, c := range p.Changes {
		b, err := planned(fsys, c.Path, c.Edit)
		if err != nil {
			return err
		}
		top[c.Path] = b
	}
	f, err := systemdunit.ParseNamed(DropInPath, top[DropInPath])
	if err != nil {
		return fmt.Errorf("/%s: %w", DropInPath, err)
	}
	if p.After, err = p.Unit.WithDropIn(f).Effective(rootfs.Overlay(fsys, top)); err != nil {
		return err
	}
	var keys []string // set to another value than ours
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if v, ok := p.After.Lookup(name); !ok || v.Value != value {
			keys = append(keys, name)
		}
	}
	for _, o := range p.After.Overrides(path.Base(DropInPath), keys, false) {
		if o.File == EnvFilePath {
			continue // ours
		}
		p.Overrides = append(p.Overrides, o)
		keys = slices.DeleteFunc(keys, func(k string) bool { return slices.Contains(o.Keys, k) })
		if o.EnvironmentFile {
			p.warn(Unit, "reads /%s with EnvironmentFile=, which sets %s and overrides every Environment= line, ours included; remove them there",
				o.File, strings.Join(o.Keys, ", "))
		} else {
			p.warn(Unit, "the drop-in /%s sorts after %s and sets %s: systemd takes its values; remove them there",
				o.File, path.Base(DropInPath), strings.Join(o.Keys, ", "))
		}
	}
	// What else hides ours: a drop-in of the same name in a directory of
	// higher precedence, an empty Environment= that resets the list.
	var rest []systemdunit.Override
	for _, k := range keys {
		v, _ := p.After.Lookup(k)
		if i := slices.IndexFunc(rest, func(o systemdunit.Override) bool { return o.File == v.File }); i >= 0 {
			rest[i].Keys = append(rest[i].Keys, k)
		} else {
			rest = append(rest, systemdunit.Override{File: v.File, Keys: []string{k}, EnvironmentFile: v.FromEnvironmentFile})
		}
	}
	for _, o := range rest {
		if o.File == "" {
			p.warn(Unit, "once written, systemd does not pass %s to dockerd: a later file resets the environment", strings.Join(o.Keys, ", "))
		} else {
			p.warn(Unit, "once written, systemd still takes %s from /%s, which overrides /%s: remove it there", strings.Join(o.Keys, ", "), o.File, DropInPath)
		}
	}
	p.Overrides = append(p.Overrides, rest...)
	return nil
}

// cleanEnvFile empties the proxy lines of the environment file an earlier
// [InEnvFile] wrote, when it exists.
func (p *Plan) cleanEnvFile(fsys fs.FS) error {
	b, err := readFile(fsys, EnvFilePath)
	if err != nil {
		return nil
	}
	if env, err := systemdunit.ParseEnvironmentFile(b); err == nil && !slices.ContainsFunc(env, isProxyVar) {
		return nil
	}
	e, _, err := proxyenv.Settings{}.EtcEnvironment()
	if err != nil {
		return err
	}
	p.warn("/"+EnvFilePath, "its proxy variables are removed: the daemon's proxy is now written elsewhere")
	p.add(Change{Path: EnvFilePath, Edit: e, Secret: true, Why: "proxy moved out of the environment file"})
	return nil
}

// dropInEdit is the edit of the drop-in: d, then EnvironmentFile= naming
// EnvFilePath when envFile, or no such line otherwise.
func dropInEdit(d systemdunit.DropIn, envFile bool) edit.Edit {
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
		kept := slices.DeleteFunc(slices.Clone(values), func(v string) bool { return v == "/"+EnvFilePath })
		if envFile {
			kept = append(kept, "/"+EnvFilePath)
		}
		if !slices.Equal(kept, values) {
			if err := f.SetList(systemdunit.ServiceSection, "EnvironmentFile", kept); err != nil {
				return nil, err
			}
		}
		return f.Bytes(), nil
	}
}

// proxyFlag returns the first of dockerd's proxy options that the unit's
// ExecStart passes, or "".
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

// namesEnvFile reports whether a drop-in names EnvFilePath.
func namesEnvFile(b []byte) bool {
	f, err := systemdunit.Parse(b)
	return err == nil && slices.Contains(f.Values(systemdunit.ServiceSection, "EnvironmentFile"), "/"+EnvFilePath)
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

// readFile reads a file under the root, links resolved inside it.
func readFile(fsys fs.FS, name string) ([]byte, error) {
	_, b, err := rootfs.ReadFile(fsys, name, proxyenv.MaxFileSize)
	return b, err
}

// planned returns what e makes of the file at name.
func planned(fsys fs.FS, name string, e edit.Edit) ([]byte, error) {
	old, err := readFile(fsys, name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("/%s: %w", name, err)
	}
	b, err := e(old)
	if err != nil {
		return nil, fmt.Errorf("/%s: %w", name, err)
	}
	return b, nil
}
