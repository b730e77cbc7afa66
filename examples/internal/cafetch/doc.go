// Package cafetch gets the certificate authority a node must trust in the
// first place, before anything on the node can verify it.
//
// Reach for [FromURL] when a cluster serves its own CA, as DC/OS does at
// https://<cluster>/ca/dcos-ca.crt: the certificate is fetched over a TLS
// connection that is not (and cannot yet be) verified, so it is only accepted
// when its SHA-256 fingerprint ([truststore.Fingerprint]) matches one the user got out of band. Reach
// for [FromProxy] when the CA to trust is the one a TLS-intercepting proxy
// re-signs every site with: it connects to the proxy, asks it to CONNECT to a
// host, reads the chain the proxy presents and offers its root as an [Offer], saying when the chain does not end in a self-signed
// root. [truststore.ParseFingerprint] reads the fingerprint as people paste
// it (with colons, spaces or nothing between the bytes, any case, keytool's
// or openssl's label in front).
//
// Both are bounded by their context and a timeout, use a proxy given as a
// [proxyenv.Proxy] (credentials are sent as Proxy-Authorization and never
// appear in an error), and return a [*truststore.Certificate], the same value
// a CA file given on the command line becomes: writing it into trust stores
// is the job of the truststore package and the engine.
//
// Package [github.com/proxykit/proxykit/examples/internal/cafetch/cafetchtest]
// provides the loopback servers the tests of this package and of the example
// programs use: a cluster serving its CA and an intercepting proxy.
package cafetch
