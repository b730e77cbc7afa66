package node

import (
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/proxykit/proxykit/truststore"
)

// A CAReader is a service that reads its CAs once, when it starts, from one
// trust store: a new CA there reaches it only when it restarts.
type CAReader struct {
	Unit string // "docker.service"
	// System: it reads the system store (and the bundles the distribution
	// rebuilds from it): the Docker daemon.
	System bool
	// Keystore is the real root-relative path of its JVM's keystore
	// ([jvmflags.Keystore]). Empty without System: the store is unknown,
	// and any change restarts it.
	Keystore string
}

// JVMReader returns the reader the JVM of the unit is: its keystore, or
// unknown when it cannot be found.
func JVMReader(n *Node, unit string) CAReader {
	if u, err := systemdunit.Load(n.FS, unit); err == nil {
		if eff, err := u.Effective(n.FS); err == nil {
			if ks, err := jvmflags.Keystore(n.FS, eff); err == nil {
				return CAReader{Unit: unit, Keystore: ks}
			}
		}
	}
	return CAReader{Unit: unit}
}

// RestartReaders returns a [CAOptions.ThenFor] that restarts the readers a
// trust-store change reaches: the system store's for a change of
// [truststore.KindSystem]; a JVM for a change of its keystore, or of the
// system store when the distribution rebuilds that keystore from it
// ([truststore.Change.Reaches]); one whose store is unknown for any change
// — each after a daemon-reload, as its drop-in may change too, and noted
// once with the reason.
func (n *Node) RestartReaders(readers []CAReader) func(truststore.Change, []truststore.Store) []string {
	noted := map[string]bool{}
	return func(c truststore.Change, regenerated []truststore.Store) []string {
		var actions []string
		for _, r := range readers {
			unknown := !r.System && r.Keystore == ""
			if !unknown && !(r.System && c.Kind == truststore.KindSystem) && !c.Reaches(r.Keystore, regenerated) {
				continue
			}
			switch {
			case noted[r.Unit]:
			case unknown:
				n.Note("restart %s: a trust store gets a new CA and its JRE (ExecStart=, JAVA_HOME) is unknown", r.Unit)
			case r.System:
				n.Note("restart %s: the system store, which it reads at start, gets a new CA", r.Unit)
			default:
				n.Note("restart %s: its JRE's keystore /%s, which it reads at start, gets a new CA", r.Unit, r.Keystore)
			}
			noted[r.Unit] = true
			actions = append(actions, n.DaemonReload(), n.Restart(r.Unit))
		}
		return actions
	}
}
