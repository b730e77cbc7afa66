package systemdunit

import (
	"bytes"
	"slices"
	"sort"
)

// Change says how one unit's effective configuration differs between two
// states.
type Change struct {
	Unit string // unit name
	// Files reports that the unit's files differ (added, removed or
	// changed): systemd must re-read them.
	Files bool
	// Environment reports that the set of KEY=value assignments differs.
	Environment bool
	// Commands lists the Exec keys (see [ExecKeys]) whose commands differ.
	Commands []string
	// UnitFiles are the planned files that are the unit's file or drop-ins
	// (root-relative), and EnvironmentFiles the planned files it reads with
	// EnvironmentFile= (absolute, as the unit names them): how the change
	// reaches the unit. Only [Affected] sets them.
	UnitFiles        []string
	EnvironmentFiles []string
	// Planned are the keys of the planned files that reach the unit, as
	// given to [Affected], sorted: the steps whose writing needs the
	// unit's reload or restart. Only [Affected] sets it.
	Planned []string
}

// Restart reports whether the change reaches the running service, which
// must restart to see it: its environment changed, or a command systemd
// runs when it starts the service (ExecCondition=, ExecStartPre=,
// ExecStart=, ExecStartPost=). A new ExecReload=, ExecStop= or
// ExecStopPost= needs only the daemon-reload: systemd runs the new command
// the next time it reloads or stops the service.
func (c Change) Restart() bool {
	return c.Environment || slices.ContainsFunc(c.Commands, func(k string) bool { return slices.Contains(startKeys, k) })
}

// Reload is what a caller must do after changing unit files.
type Reload struct {
	// DaemonReload is set when any unit's files changed: run
	// "systemctl daemon-reload" before anything else.
	DaemonReload bool
	// Restart names the units whose environment or start commands changed
	// ([Change.Restart]), sorted; only these need a restart.
	Restart []string
	// Changes details every unit that changed in any way, sorted by name.
	Changes []Change
}

// Compare compares units before and after a change, by name (a unit
// missing on one side counts as one without files). Units whose files
// differ need a daemon-reload; those whose environment or start commands
// differ ([Change.Restart]) also need a restart. A unit whose view cannot
// be computed (a bad setting) is compared by its files and, if they differ,
// restarted. [Affected] compares the units of a node before and after
// planned files are written, EnvironmentFile= contents included.
func Compare(before, after map[string]*Unit) Reload {
	names := map[string]bool{}
	for n := range before {
		names[n] = true
	}
	for n := range after {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var r Reload
	for _, n := range sorted {
		b, a := before[n], after[n]
		c := Change{Unit: n, Files: !sameFiles(b, a)}
		if !c.Files {
			continue
		}
		be, ae := unitEnv(b), unitEnv(a)
		c.Environment = !sameEnv(be, ae)
		for _, key := range ExecKeys {
			bc, berr := unitCommands(b, key)
			ac, aerr := unitCommands(a, key)
			if berr != nil || aerr != nil || !slices.EqualFunc(bc, ac, Command.Equal) {
				c.Commands = append(c.Commands, key)
			}
		}
		r.DaemonReload = true
		r.Changes = append(r.Changes, c)
		if c.Restart() {
			r.Restart = append(r.Restart, n)
		}
	}
	return r
}

func sameFiles(a, b *Unit) bool {
	var af, bf []*File
	if a != nil {
		af = a.Files
	}
	if b != nil {
		bf = b.Files
	}
	return slices.EqualFunc(af, bf, func(x, y *File) bool {
		return x.Name == y.Name && bytes.Equal(x.Bytes(), y.Bytes())
	})
}

func unitEnv(u *Unit) []string {
	if u == nil {
		return nil
	}
	env, _ := u.Environment()
	return env
}

func unitCommands(u *Unit, key string) ([]Command, error) {
	if u == nil {
		return nil, nil
	}
	return u.Commands(key)
}

// sameEnv compares two environments as sets of assignments.
func sameEnv(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
