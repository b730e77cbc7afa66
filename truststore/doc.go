// Package truststore adds and removes a certificate authority in the trust
// stores of a Linux node: PEM bundles, Java keystores (JKS and password-less
// PKCS#12) and the system CA store of each distribution family.
package truststore
