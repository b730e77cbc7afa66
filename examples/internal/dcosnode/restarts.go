package dcosnode

import (
	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/proxykit/proxykit/truststore"
)

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
	if u, err := systemdunit.Load(n.FS, unit); err == nil {
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
