package dcosnode

import (
	"bytes"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/proxykit/proxykit/truststore"
)

// overlay is the node's root with the planned new contents of some files
// laid over it: what systemd will read after apply.
type overlay struct {
	base  fs.FS
	files fstest.MapFS // root-relative paths, as the plan writes them
}

func (o overlay) Open(name string) (fs.File, error) {
	if _, ok := o.files[name]; ok {
		return o.files.Open(name)
	}
	return o.base.Open(name)
}

func (o overlay) Lstat(name string) (fs.FileInfo, error) {
	if _, ok := o.files[name]; ok {
		return fs.Stat(o.files, name)
	}
	return fs.Lstat(o.base, name)
}

func (o overlay) ReadLink(name string) (string, error) {
	if _, ok := o.files[name]; ok {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return fs.ReadLink(o.base, name)
}

// planned returns the content the edit of the format f gives the file at
// p (root relative), and whether it differs from what is there now.
func planned(n *node.Node, p string, f func() (proxyenv.Edit, []proxyenv.Warning, error)) ([]byte, bool, error) {
	edit, _, err := f()
	if err != nil {
		return nil, false, err
	}
	old, err := n.ReadFile(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	b, err := edit(old)
	if err != nil {
		return nil, false, err
	}
	return b, old == nil || string(b) != string(old), nil
}

// envRestarts returns the restart actions of the units that read one of
// the changed files (root-relative path → planned content) with
// EnvironmentFile= and whose effective environment — Environment= lines and
// EnvironmentFile= contents, drop-ins in systemd's order — differs once the
// files are written: those, and only those, must restart to see the change.
// Each is noted with the reason. Units in skip are left to their own step.
func envRestarts(n *node.Node, changed map[string][]byte, skip []string) []string {
	if len(changed) == 0 {
		return nil
	}
	after := overlay{base: n.FS, files: fstest.MapFS{}}
	for p, b := range changed {
		after.files[p] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	names, _ := systemdunit.Find(n.FS, "*.service")
	var actions []string
	for _, name := range names {
		if slices.Contains(skip, name) {
			continue
		}
		u, err := loadUnit(n, name)
		if err != nil || u == nil {
			continue
		}
		before, err := u.Effective(n.FS)
		if err != nil {
			continue
		}
		var reads []string
		for _, ef := range before.EnvironmentFiles {
			if _, ok := changed[strings.TrimPrefix(path.Clean(ef.Path), "/")]; ok {
				reads = append(reads, ef.Path)
			}
		}
		if len(reads) == 0 {
			continue
		}
		now, err := u.Effective(after)
		if err != nil || slices.Equal(before.Env(), now.Env()) {
			continue
		}
		n.Note("restart %s: its environment changes (it reads %s with EnvironmentFile=)", name, strings.Join(reads, ", "))
		actions = append(actions, n.DaemonReload(), n.Restart(name))
	}
	return actions
}

// dropInActions returns the actions that follow writing the drop-in at p
// (root-relative) of the unit u with edit: a daemon-reload, so that systemd
// reads it, and a restart of u only when the unit's effective environment
// or command line — computed with the planned drop-in in place
// ([systemdunit.Unit.WithDropIn]) — differs from today's. A change of the
// file alone (a no-proxy list a later drop-in overrides, say) restarts
// nothing. The restart is noted with its reason. When either side cannot be
// computed, the unit restarts, as it did whenever the file changed.
func dropInActions(n *node.Node, u *systemdunit.Unit, p string, edit func([]byte) ([]byte, error)) []string {
	restart := func() []string { return []string{n.DaemonReload(), n.Restart(u.Name)} }
	old, err := n.ReadFile(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return restart()
	}
	b, err := edit(old)
	if err != nil || (old != nil && bytes.Equal(b, old)) {
		return restart() // an error fails the plan; an unchanged file triggers nothing
	}
	f, err := systemdunit.ParseNamed(p, b)
	if err != nil {
		return restart()
	}
	before, err := u.Effective(n.FS)
	if err != nil {
		return restart()
	}
	after, err := u.WithDropIn(f).Effective(n.FS)
	if err != nil {
		return restart()
	}
	var why []string
	if !sameSet(before.Env(), after.Env()) {
		why = append(why, "its environment")
	}
	if !slices.EqualFunc(before.ExecStart, after.ExecStart, systemdunit.Command.Equal) {
		why = append(why, "its command line")
	}
	if len(why) == 0 {
		n.Note("%s: /%s changes but not the unit's environment or command line: daemon-reload, no restart", u.Name, p)
		return []string{n.DaemonReload()}
	}
	n.Note("restart %s: %s changes (drop-in /%s)", u.Name, strings.Join(why, " and "), p)
	return restart()
}

// sameSet compares two environments as sets of assignments.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// trustUser is a service that reads its CAs once, at start, with the trust
// store it reads them from.
type trustUser struct {
	unit string
	// system: it reads the system store (the bundles the distribution
	// regenerates from it): the Docker daemon.
	system bool
	// keystore is the real root-relative path of its JRE's cacerts; unknown
	// (a JVM whose JRE cannot be found) restarts for any change.
	keystore string
	unknown  bool
}

// jvmUser returns the trust store of the JVM the unit runs: the keystore of
// its JRE, whose home is that of the java binary ExecStart runs (links
// followed), else JAVA_HOME's; the keystore is the home's
// lib/security/cacerts, or jre/lib/security/cacerts (Java 8), links
// followed.
func jvmUser(n *node.Node, unit string) trustUser {
	tu := trustUser{unit: unit, unknown: true}
	u, err := loadUnit(n, unit)
	if err != nil || u == nil {
		return tu
	}
	eff, err := u.Effective(n.FS)
	if err != nil {
		return tu
	}
	var home string
	if len(eff.ExecStart) > 0 && len(eff.ExecStart[0].Argv) > 0 && path.Base(eff.ExecStart[0].Argv[0]) == "java" {
		if real, err := n.Resolve(strings.TrimPrefix(path.Clean(eff.ExecStart[0].Argv[0]), "/")); err == nil {
			home = path.Dir(path.Dir(real))
		}
	}
	if v, ok := eff.Lookup("JAVA_HOME"); home == "" && ok && path.IsAbs(v.Value) {
		home = strings.TrimPrefix(path.Clean(v.Value), "/")
	}
	if home == "" {
		return tu
	}
	for _, ks := range []string{"lib/security/cacerts", "jre/lib/security/cacerts"} {
		if real, err := n.Resolve(path.Join(home, ks)); err == nil {
			tu.keystore, tu.unknown = real, false
			return tu
		}
	}
	return tu
}

// caRestarts returns the actions that follow the trust-store change c: the
// restarts of the users whose store it changes — the Docker daemon for a
// change of the system store; a JVM for a change of its JRE's keystore, or
// of the system store when the distribution regenerates that keystore from
// it; a JVM whose JRE is unknown for any change — each after a
// daemon-reload, as its drop-in may change too. Each restart is noted with
// its reason once (noted holds the units noted).
func caRestarts(n *node.Node, users []trustUser, c truststore.Change, regenerated []truststore.Store, noted map[string]bool) []string {
	var actions []string
	for _, u := range users {
		uses := u.unknown || (u.system && c.Kind == truststore.KindSystem) || (u.keystore != "" && c.Store.Real == u.keystore)
		if !uses && u.keystore != "" && c.Kind == truststore.KindSystem {
			uses = slices.ContainsFunc(regenerated, func(r truststore.Store) bool { return r.Real == u.keystore })
		}
		if uses {
			if !noted[u.unit] {
				noted[u.unit] = true
				switch {
				case u.unknown:
					n.Note("restart %s: a trust store gets a new CA and its JRE (ExecStart=, JAVA_HOME) is unknown", u.unit)
				case u.system:
					n.Note("restart %s: the system store, which it reads at start, gets a new CA", u.unit)
				default:
					n.Note("restart %s: its JRE's keystore /%s, which it reads at start, gets a new CA", u.unit, u.keystore)
				}
			}
			actions = append(actions, n.DaemonReload(), n.Restart(u.unit))
		}
	}
	return actions
}
