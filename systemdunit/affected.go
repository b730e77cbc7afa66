package systemdunit

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/rootfs"
)

// startKeys are the Exec keys whose commands systemd runs when it starts
// the service: a change of one reaches the service only by a restart. The
// others (ExecReload=, ExecStop=, ExecStopPost=) are run as they read after
// a daemon-reload, the next time systemd reloads or stops the service.
var startKeys = []string{"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost"}

// Affected answers "which units does this change affect": it compares each
// unit of the node whose root file system is fsys, of those whose names
// match patterns ([Find]; none means every unit), as systemd reads it now
// and as it will read it once the files of planned (root-relative path →
// new contents) are written ([rootfs.Overlay]: links inside the root
// followed, new drop-in directories included). It returns a [Change] for
// each unit a planned file reaches — as its unit file or one of its
// drop-ins, or as an EnvironmentFile= it reads — in order of unit name,
// saying how the file reaches it and what differs: its files (run
// "systemctl daemon-reload"), its effective environment ([Unit.Effective]:
// Environment= in drop-in precedence, then the EnvironmentFile= contents),
// its commands. [Change.Restart] tells which must restart, and
// [Change.Reason] says why, for a person. A planned file that leaves a
// unit's environment and start commands as they were (a no-proxy list that
// a later drop-in overrides) restarts nothing.
//
// A unit that cannot be read on one side (a bad setting) counts as changed.
// Affected only reads fsys; the error is for an invalid pattern.
func Affected(fsys fs.FS, planned map[string][]byte, patterns ...string) ([]Change, error) {
	if len(patterns) == 0 {
		patterns = []string{"*"}
	}
	for _, pat := range patterns {
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("unit pattern %q: %w", pat, err)
		}
	}
	if len(planned) == 0 {
		return nil, nil
	}
	after := rootfs.Overlay(fsys, planned)
	lands := map[string][]string{} // where each planned file is written → the names given
	for p := range planned {
		l := landing(fsys, p)
		lands[l] = append(lands[l], p)
	}
	var c Change
	reaches := func(name string) bool {
		given := lands[landing(fsys, name)]
		for _, p := range given {
			if !slices.Contains(c.Planned, p) {
				c.Planned = append(c.Planned, p)
			}
		}
		return len(given) > 0
	}
	names, err := Find(after, patterns...)
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, name := range names {
		c = Change{Unit: name}
		bu := loadView(fsys, name)
		be := effectiveView(bu, fsys)
		c.reachedBy(bu, be, reaches)
		if len(c.Planned) == 0 && !mayGain(name, lands) {
			continue // nothing planned reaches it, and it gains no file
		}
		au := loadView(after, name)
		ae := effectiveView(au, after)
		c.reachedBy(au, ae, reaches)
		if len(c.Planned) == 0 {
			continue
		}
		slices.Sort(c.Planned)
		c.Files = !sameFiles(bu, au)
		c.Environment = !sameEnv(effectiveEnv(be), effectiveEnv(ae))
		c.Commands = changedCommands(bu, au)
		out = append(out, c)
	}
	return out, nil
}

// reachedBy adds to c the files of u, and the EnvironmentFile= files of
// its view e, that a planned file reaches.
func (c *Change) reachedBy(u *Unit, e *Effective, reaches func(string) bool) {
	for _, f := range unitFiles(u) {
		if reaches(f.Name) && !slices.Contains(c.UnitFiles, f.Name) {
			c.UnitFiles = append(c.UnitFiles, f.Name)
		}
	}
	for _, ef := range envFiles(e) {
		if reaches(ef.Path) && !slices.Contains(c.EnvironmentFiles, ef.Path) {
			c.EnvironmentFiles = append(c.EnvironmentFiles, ef.Path)
		}
	}
}

// mayGain reports whether a planned file (by where it lands) may become a
// file of the unit called name: its unit file, or a drop-in in a
// directory named for it.
func mayGain(name string, lands map[string][]string) bool {
	for l := range lands {
		dir := path.Base(path.Dir(l))
		if slices.Contains(fragmentNames(name), path.Base(l)) ||
			strings.HasSuffix(dir, ".d") && slices.Contains(dropInNames(name), strings.TrimSuffix(dir, ".d")) {
			return true
		}
	}
	return false
}

// landing returns where a write to the root-relative name lands.
func landing(fsys fs.FS, name string) string {
	if t, err := rootfs.Target(fsys, name); err == nil {
		return t
	}
	return path.Clean(strings.TrimPrefix(name, "/"))
}

// loadView loads a unit for comparison: nil when it has no unit file, is
// masked, or cannot be read.
func loadView(fsys fs.FS, name string) *Unit {
	u, err := Load(fsys, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil
	}
	return u // with ErrNotFound: its drop-ins alone, as systemd lists them
}

func unitFiles(u *Unit) []*File {
	if u == nil {
		return nil
	}
	return u.Files
}

// effectiveView is the unit's effective view; nil when it cannot be
// computed, which changedCommands then reports.
func effectiveView(u *Unit, fsys fs.FS) *Effective {
	if u == nil {
		return nil
	}
	e, err := u.Effective(fsys)
	if err != nil {
		return nil
	}
	return e
}

func envFiles(e *Effective) []EnvironmentFile {
	if e == nil {
		return nil
	}
	return e.EnvironmentFiles
}

func effectiveEnv(e *Effective) []string {
	if e == nil {
		return nil
	}
	return e.Env()
}

// changedCommands returns the Exec keys whose commands differ between b
// and a, or cannot be read on one side.
func changedCommands(b, a *Unit) []string {
	var keys []string
	for _, key := range ExecKeys {
		bc, berr := unitCommands(b, key)
		ac, aerr := unitCommands(a, key)
		if berr != nil || aerr != nil || !slices.EqualFunc(bc, ac, Command.Equal) {
			keys = append(keys, key)
		}
	}
	return keys
}

// Reason says, for a person, how the planned files reach the unit and what
// they change: "its environment changes (it reads
// /opt/mesosphere/etc/proxy.env with EnvironmentFile=)", "its command line
// changes (drop-in /etc/systemd/system/x.service.d/proxy.conf)"; for a
// change that needs no restart, "/etc/systemd/system/docker.service.d/http-proxy.conf
// changes but not the unit's environment or command line".
func (c Change) Reason() string {
	var via, files []string
	for _, f := range c.UnitFiles {
		kind := "unit file"
		if strings.HasSuffix(path.Dir(f), ".d") {
			kind = "drop-in"
		}
		via = append(via, kind+" /"+f)
		files = append(files, "/"+f)
	}
	if len(c.EnvironmentFiles) > 0 {
		via = append(via, "it reads "+strings.Join(c.EnvironmentFiles, ", ")+" with EnvironmentFile=")
		files = append(files, c.EnvironmentFiles...)
	}
	if !c.Restart() {
		return strings.Join(files, ", ") + plural(len(files), " changes", " change") + " but not the unit's environment or command line"
	}
	var what []string
	if c.Environment {
		what = append(what, "its environment")
	}
	for _, k := range startKeys {
		switch {
		case !slices.Contains(c.Commands, k):
		case k == "ExecStart":
			what = append(what, "its command line")
		default:
			what = append(what, "its "+k+"=")
		}
	}
	return strings.Join(what, " and ") + plural(len(what), " changes", " change") + " (" + strings.Join(via, ", ") + ")"
}

func plural(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}
