// Package probe checks on the wire what the files of a node promise: that
// each client reaches an HTTPS URL through the proxy it is configured with,
// and trusts the certificate the (often TLS-intercepting) proxy presents.
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
package probe
