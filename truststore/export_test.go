package truststore

import "testing"

// Resolve exposes resolve to the black-box tests.
var Resolve = resolve

// WalkWithTypesUnknown makes the walk's listing by descriptor read every
// entry's type as unknown until tb ends, as file systems that do not
// report types list them.
func WalkWithTypesUnknown(tb testing.TB) {
	direntTypesUnknown = true
	tb.Cleanup(func() { direntTypesUnknown = false })
}
