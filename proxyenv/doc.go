// Package proxyenv models a node's proxy settings and what each HTTP client
// really does with them.
//
// Reach first for:
//
//   - [FromEnvironment], to read http_proxy, https_proxy, no_proxy (both
//     cases) into [Settings], with the conflicts between cases reported;
//   - [ParseProxy], for a proxy value as people write it ([Proxy] keeps the
//     password in a [Secret] that never prints);
//   - [ParseNoProxy] and [ParseJavaNonProxyHosts], for a typed no-proxy list
//     ([NoProxy]);
//   - [NoProxy.Bypass], to ask whether [Go], [Curl], [Java] or [Python] would
//     send a request directly;
//   - [NoProxy.Java], to convert a list to Java's http.nonProxyHosts with a
//     [Loss] for every entry Java cannot carry exactly.
//
// # Older curl
//
// [NoProxy.Bypass] with [Curl] follows curl 8.18 and later. Older releases
// differ: before 8.18 an IPv6 host was compared as text (so "::1" matched
// only a URL spelling it [::1], and IPv6 CIDR entries never matched); before
// 8.17 an IPv6 prefix length not divisible by 8 matched wrongly; before 8.9 a
// blank separated names as a comma does (since, a blank inside an entry ends
// the list); before 7.86 there were no CIDR entries at all.
package proxyenv
