package proxyenv

import (
	"fmt"
	"strings"
)

// Settings is the proxy configuration of a node: one value that every
// consumer format and client rule in this package starts from.
type Settings struct {
	HTTPProxy  *Proxy  // proxy for http:// URLs; nil when unset
	HTTPSProxy *Proxy  // proxy for https:// URLs; nil when unset
	FTPProxy   *Proxy  // proxy for ftp:// URLs; nil when unset (written only where set)
	NoProxy    NoProxy // hosts reached directly
}

// Conflict reports an environment variable that clients read differently:
// set in both cases to different values (Go's net/http reads the upper case
// first; golang.org/x/net/http/httpproxy (v0.58+), Python and curl the lower
// case first), or HTTP_PROXY set without http_proxy (curl ignores the upper
// case for http:// URLs). [FromEnvironment] keeps the lower-case value when
// both are set.
type Conflict struct {
	Name  string // lower-case name, e.g. "no_proxy"
	Lower string // value of the lower-case variable, credentials redacted; "" when unset
	Upper string // value of the upper-case variable, credentials redacted
}

func (c Conflict) String() string {
	if c.Name == "http_proxy" && c.Lower == "" {
		return fmt.Sprintf("HTTP_PROXY=%q is set without http_proxy: curl ignores HTTP_PROXY for http:// URLs; set http_proxy too", c.Upper)
	}
	return fmt.Sprintf("%s=%q and %s=%q differ: Go's net/http uses the upper-case value, curl, Python and httpproxy the lower-case one; using the lower-case one",
		c.Name, c.Lower, strings.ToUpper(c.Name), c.Upper)
}

// FromEnvironment reads proxy settings from an environment in the form of
// [os.Environ] ("KEY=value" strings; the first of repeated keys counts, as
// getenv does). It reads http_proxy, https_proxy, ftp_proxy and no_proxy in
// both cases, prefers the lower case, treats blank values as unset, and
// reports every [Conflict]. It is the only function in this package that
// reads an environment.
func FromEnvironment(environ []string) (Settings, []Conflict, error) {
	env := make(map[string]string)
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if _, seen := env[k]; ok && !seen {
			env[k] = v
		}
	}
	var (
		s         Settings
		conflicts []Conflict
	)
	get := func(name string, redact func(string) string) string {
		lo, loOK := env[name]
		up, upOK := env[strings.ToUpper(name)]
		switch {
		case loOK && upOK && lo != up:
			conflicts = append(conflicts, Conflict{Name: name, Lower: redact(lo), Upper: redact(up)})
			return lo
		case loOK:
			return lo
		case name == "http_proxy" && strings.TrimSpace(up) != "":
			conflicts = append(conflicts, Conflict{Name: name, Upper: redact(up)})
		}
		return up
	}
	for _, v := range []struct {
		name string
		dst  **Proxy
	}{{"http_proxy", &s.HTTPProxy}, {"https_proxy", &s.HTTPSProxy}, {"ftp_proxy", &s.FTPProxy}} {
		val := get(v.name, redactValue)
		if strings.TrimSpace(val) == "" {
			continue
		}
		p, err := ParseProxy(val)
		if err != nil {
			return Settings{}, conflicts, fmt.Errorf("%s: %w", v.name, err)
		}
		*v.dst = &p
	}
	s.NoProxy = ParseNoProxy(get("no_proxy", func(v string) string { return v }))
	return s, conflicts, nil
}

// IsVariable reports whether name is one of the proxy variables clients
// read from the environment, in either case: http_proxy, https_proxy,
// ftp_proxy, no_proxy and all_proxy.
func IsVariable(name string) bool {
	switch strings.ToLower(name) {
	case "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy":
		return true
	}
	return false
}
