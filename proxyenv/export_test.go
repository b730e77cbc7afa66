package proxyenv

import "net/url"

// CurlBypassWith evaluates l with an older generation of curl's rules:
// blankSeparates (before 8.9) and numericIPv6 (8.18 on).
func CurlBypassWith(l NoProxy, blankSeparates, numericIPv6 bool, u *url.URL) bool {
	r := curlRules{blankSeparates: blankSeparates, numericIPv6: numericIPv6}
	return compileCurl(l.String(), r).bypass(curlHostName(u))
}
