package dcosnode

import (
	"errors"
	"io/fs"
	"slices"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/proxykit/proxykit/truststore"
)

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
	return b, err == nil && (old == nil || string(b) != string(old)), err
}

// envRestarts returns the actions that follow writing the changed files
// (root-relative path → planned content): for each unit they reach
// ([systemdunit.Affected]), a daemon-reload when its files change, and a
// restart when its effective environment or start commands change, each
// noted with the reason. It looks at the units matching patterns, every
// service when none is given; units in skip are left to their own step.
func envRestarts(n *node.Node, changed map[string][]byte, skip []string, patterns ...string) []string {
	if len(patterns) == 0 {
		patterns = []string{"*.service"}
	}
	changes, err := systemdunit.Affected(n.FS, changed, patterns...)
	if err != nil {
		return nil
	}
	var actions []string
	for _, c := range changes {
		switch {
		case slices.Contains(skip, c.Unit):
		case c.Restart():
			n.Note("restart %s: %s", c.Unit, c.Reason())
			actions = append(actions, n.DaemonReload(), n.Restart(c.Unit))
		case c.Files:
			n.Note("%s: %s: daemon-reload, no restart", c.Unit, c.Reason())
			actions = append(actions, n.DaemonReload())
		}
	}
	return actions
}

// dropInActions returns the actions that follow writing the drop-in at p
// (root-relative) of the unit u with edit ([envRestarts]): a daemon-reload,
// and a restart only when the unit's effective environment or start
// commands change. An edit that fails fails the plan; an unchanged file
// triggers nothing.
func dropInActions(n *node.Node, u *systemdunit.Unit, p string, edit func([]byte) ([]byte, error)) []string {
	b, changes, err := planned(n, p, func() (proxyenv.Edit, []proxyenv.Warning, error) { return edit, nil, nil })
	if err != nil || !changes {
		return nil
	}
	return envRestarts(n, map[string][]byte{p: b}, nil, u.Name)
}

// trustUser is a service that reads its CAs once, at start, with the trust
// store it reads them from.
type trustUser struct {
	unit string
	// system: it reads the system store (the bundles the distribution
	// regenerates from it): the Docker daemon.
	system bool
	// keystore is the real root-relative path of its JVM's keystore
	// ([jvmflags.Keystore]); unknown (a JVM whose keystore cannot be found)
	// restarts for any change.
	keystore string
	unknown  bool
}

// jvmUser returns the trust store of the JVM the unit runs.
func jvmUser(n *node.Node, unit string) trustUser {
	if u, err := loadUnit(n, unit); err == nil && u != nil {
		if eff, err := u.Effective(n.FS); err == nil {
			if ks, err := jvmflags.Keystore(n.FS, eff); err == nil {
				return trustUser{unit: unit, keystore: ks}
			}
		}
	}
	return trustUser{unit: unit, unknown: true}
}

// caRestarts returns the actions that follow the trust-store change c: the
// restarts of the users it reaches — the Docker daemon for a change of the
// system store; a JVM for a change of its keystore, or of the system store
// when the distribution regenerates that keystore from it
// ([truststore.Change.Reaches]); a JVM whose keystore is unknown for any
// change — each after a daemon-reload, as its drop-in may change too. Each
// restart is noted with its reason once (noted holds the units noted).
func caRestarts(n *node.Node, users []trustUser, c truststore.Change, regenerated []truststore.Store, noted map[string]bool) []string {
	var actions []string
	for _, u := range users {
		if !u.unknown && !(u.system && c.Kind == truststore.KindSystem) && !c.Reaches(u.keystore, regenerated) {
			continue
		}
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
	return actions
}
