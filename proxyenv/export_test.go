package proxyenv

import "net/url"

// CurlBypassWith evaluates l with another generation of curl's rules:
// blankSeparates (before 8.9), numericIPv6 and strictBits (8.18 on).
func CurlBypassWith(l NoProxy, blankSeparates, numericIPv6, strictBits bool, u *url.URL) bool {
	r := curlRules{blankSeparates: blankSeparates, numericIPv6: numericIPv6, strictBits: strictBits}
	return compileCurl(l.String(), r).bypass(curlHostName(u))
}

// ShellWord quotes a word of the Dockerfile's build command.
var ShellWord = shellWord
