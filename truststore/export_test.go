package truststore

// Resolve exposes resolve to the black-box tests.
var Resolve = resolve
