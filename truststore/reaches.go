package truststore

import "slices"

// Reaches reports whether a program that reads its CAs from the store
// whose real file is store (root-relative, as [Store.Real]; a JVM's
// keystore, say) sees the change c once it is applied: c edits that file,
// or c adds an anchor to the system store and store is one of regenerated,
// the stores c.Update rebuilds from it (those [Changes] leaves as
// [Store.Regenerated], in [Plan.Left]). A program that reads the system
// store itself sees every change of [KindSystem].
func (c Change) Reaches(store string, regenerated []Store) bool {
	if store == "" {
		return false
	}
	if c.Store.Real == store {
		return true
	}
	return c.Kind == KindSystem && slices.ContainsFunc(regenerated, func(r Store) bool { return r.Real == store })
}
