package cafetch

import "github.com/proxykit/proxykit/truststore"

// isZero reports whether f is the zero value: no fingerprint given.
func isZero(f truststore.Fingerprint) bool { return f == truststore.Fingerprint{} }
