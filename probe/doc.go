// Package probe checks on the wire what the files of a node promise: that
// each client reaches an HTTPS URL through the proxy it is configured with,
// and trusts the certificate the (often TLS-intercepting) proxy presents;
// and it gets the certificate authority a node must trust in the first
// place, before anything on the node can verify it.
//
// Reach first for:
//
//   - [Discover] to find the consumer configurations of a node from its root
//     file system: the Docker daemon's effective environment,
//     /etc/environment, DC/OS's proxy.env, each Java service's properties,
//     and each trust store, each paired with the trust store its client reads.
//   - [Probe] to check one [Consumer] for one URL: decide with the
//     consumer's own no-proxy rule (proxyenv's Go, curl, Java or Python
//     rules) whether the URL goes through its proxy, ask that proxy to
//     CONNECT with the credentials the consumer would send, and verify the
//     chain presented against the consumer's store.
//   - [All] to probe every consumer for every URL, a bounded number at once,
//     each URL read by [ParseTarget].
//
// A [Result] says ok, bypassed (by which no-proxy entry), proxy refused (the
// status, 407 when the credentials are wrong or missing), unknown authority
// (the issuer and the SHA-256 fingerprint of the top-most certificate
// presented: the intercepting proxy's CA, to fetch with -ca-from-proxy and
// compare), bad certificate or unreachable (the error). Results hold no
// secret: proxies are shown with credentials redacted.
//
// The node's files are read under a root (so a mounted image or a copy can
// be checked); the connections are made from the host running the probe.
//
// # Getting the CA
//
// Reach for [FetchCA] when a cluster serves its own CA, as DC/OS does at
// https://<cluster>/ca/dcos-ca.crt ([DCOSCAPath]): the certificate is
// fetched over a TLS connection that is not (and cannot yet be) verified,
// so it is only returned when its SHA-256 fingerprint
// ([truststore.Fingerprint]) is one the user got out of band. Reach for
// [ProxyCA] when the CA to trust is the one a TLS-intercepting proxy
// re-signs every site with: it asks the proxy to CONNECT to a host, reads
// the chain the proxy presents and offers its root as an [Offer], saying
// when the chain does not end in a self-signed root; [Offer.Trust] returns
// it when its fingerprint matches. [FetchCAs] does both for several sources
// and fingerprints at once, through the proxies of a [proxyenv.Settings].
// [truststore.ParseFingerprint] reads the fingerprints as people paste them
// (with colons, spaces or nothing between the bytes, any case, keytool's or
// openssl's label in front); a fingerprint that matches nothing gives a
// [*MismatchError] with the fingerprints seen, for the user to compare.
//
// Fetches are bounded by their context and [CAOptions.Timeout], and proxy
// credentials are sent as Proxy-Authorization and never appear in an error.
// The CA comes back as a [*truststore.Certificate], the same value a CA file
// becomes: writing it into trust stores is the job of the truststore
// package and of the caller.
//
// The loopback servers the tests use (a cluster serving its CA, an
// intercepting proxy) are in internal/cafetchtest.
package probe
