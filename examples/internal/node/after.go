package node

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/proxykit/proxykit/systemdunit"
)

// planned returns the bytes the plan's steps for name will leave in it:
// old, the file's current bytes (nil when missing), through each step's
// edit, in order. nil means the file will not exist.
func (n *Node) planned(name string, old []byte) ([]byte, error) {
	b := old
	for _, s := range n.Plan.Steps {
		if s.Path != name || s.Edit == nil {
			continue
		}
		var err error
		if b, err = s.Edit(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// UnitActions gives the steps planned so far the actions systemd needs
// once their files are written ([systemdunit.Affected] over the planned
// contents of every file the plan changes, for the units matching
// patterns): for each unit they reach whose effective environment or start
// commands change, a daemon-reload and a restart; for one whose unit files
// change without that, a daemon-reload. Call it once every step that
// writes a unit file, a drop-in or an EnvironmentFile= is planned. Each is noted once with the reason and goes to every step
// whose file reaches the unit, so that it runs whichever of them is
// written.
func (n *Node) UnitActions(patterns ...string) error {
	planned := map[string][]byte{}
	seen := map[string]bool{} // a file several steps edit is computed once
	for _, s := range n.Plan.Steps {
		if seen[s.Path] {
			continue
		}
		seen[s.Path] = true
		old, err := n.ReadFile(s.Path)
		if err != nil {
			old = nil
		}
		// A copy: old is compared with what the edits make of it. An edit
		// that fails fails the plan later.
		b, err := n.planned(s.Path, bytes.Clone(old))
		if err == nil && b != nil && (old == nil || !bytes.Equal(b, old)) {
			planned[s.Path] = b
		}
	}
	changes, err := systemdunit.Affected(n.FS, planned, patterns...)
	if err != nil {
		return err
	}
	// Each in the order of the last step that reaches it: where the plan
	// settles what the unit reads.
	last := map[string]int{}
	for i, s := range n.Plan.Steps {
		for _, c := range changes {
			if slices.Contains(c.Planned, s.Path) {
				last[c.Unit] = i
			}
		}
	}
	slices.SortStableFunc(changes, func(a, b systemdunit.Change) int { return cmp.Compare(last[a.Unit], last[b.Unit]) })
	for _, c := range changes {
		if !c.Files && !c.Restart() {
			continue
		}
		actions := []string{n.DaemonReload()}
		if c.Restart() {
			n.Note("restart %s: %s", c.Unit, c.Reason())
			actions = append(actions, n.Restart(c.Unit))
		} else {
			n.Note("%s: %s: daemon-reload, no restart", c.Unit, c.Reason())
		}
		for i, s := range n.Plan.Steps {
			if slices.Contains(c.Planned, s.Path) {
				n.Plan.Steps[i].Actions = append(n.Plan.Steps[i].Actions, actions...)
			}
		}
	}
	return nil
}
