package proxyenv

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// curl's no-proxy rules changed over the years. curlRules names the two
// generations this package knows: the current one, which [NoProxy.Bypass]
// implements, and the one shipped by Debian 12 (curl 7.88), which the tests
// use to tell the documented differences from bugs.
type curlRules struct {
	// blankSeparates: a blank between two names separates them, as a comma
	// does (before 8.9, deprecated since 7.88). From 8.9 on, a name followed
	// by a blank and then anything but a comma ends the list.
	blankSeparates bool
	// numericIPv6: an IPv6 host is compared numerically with IPv6 entries and
	// ranges (8.18 on). Before, curl passed the host without brackets and
	// compared it as text, so "::1" matched only a URL spelling it "[::1]" and
	// IPv6 CIDR entries never matched.
	numericIPv6 bool
	// strictBits: the prefix length after "/" must be a plain decimal number
	// up to 128 with nothing after it, or the entry matches nothing (8.18 on;
	// before, atoi read its leading digits: "10.0.0.0/8x" was /8).
	strictBits bool
}

// curl818 are the rules of curl 8.18 and later. (Debian 12's curl 7.88 is
// curlRules{blankSeparates: true}; the tests use it.)
var curl818 = curlRules{numericIPv6: true, strictBits: true}

// curlList is a no-proxy list compiled for curl.
type curlList struct {
	all    bool        // the whole value is "*"
	tokens []curlToken // the names curl considers, in order
	rules  curlRules
}

// curlToken is one name of the list, read in advance both ways curl may
// read it: as a host name and as an address with an optional prefix length.
type curlToken struct {
	name    string     // one trailing, then one leading dot removed
	v4, v6  netip.Addr // the part before "/" as IPv4 or IPv6, if it is one
	bits    uint64     // the prefix length after "/"; 0 without
	noMatch bool       // 128 bytes or more, or a bad prefix length: never matches an address
}

func newCurlToken(tok string, r curlRules) curlToken {
	t := curlToken{name: strings.TrimPrefix(strings.TrimSuffix(tok, "."), "."), noMatch: len(tok) >= 128}
	network, bitsText, hasSlash := strings.Cut(tok, "/")
	if hasSlash {
		if r.strictBits {
			n, err := strconv.ParseUint(bitsText, 10, 64)
			if err != nil || !allDigits(bitsText) || n > 128 {
				t.noMatch = true
			}
			t.bits = n
		} else {
			t.bits = cAtoiUnsigned(bitsText)
		}
	}
	t.v4, _ = parseIPv4Text(network)
	t.v6, _ = parseIPv6Text(network)
	return t
}

// compileCurl splits s the way curl's Curl_check_noproxy walks it.
func compileCurl(s string, r curlRules) curlList {
	c := curlList{all: s == "*", rules: r}
	p := 0
	isBlank := func(b byte) bool { return b == ' ' || b == '\t' }
	for p < len(s) {
		for p < len(s) && isBlank(s[p]) {
			p++
		}
		start := p
		for p < len(s) && !isBlank(s[p]) && s[p] != ',' {
			p++
		}
		if p > start {
			c.tokens = append(c.tokens, newCurlToken(s[start:p], r))
		}
		for p < len(s) && isBlank(s[p]) {
			p++
		}
		if p < len(s) && s[p] != ',' {
			if r.blankSeparates {
				continue
			}
			break
		}
		for p < len(s) && s[p] == ',' {
			p++
		}
	}
	return c
}

type curlNameType int

const (
	curlHost curlNameType = iota
	curlIPv4
	curlIPv6
)

// bypass reports whether curl reaches name (the URL's host, IPv6 without
// brackets) directly.
func (c curlList) bypass(name string) bool {
	if name == "" || len(c.tokens) == 0 && !c.all {
		return false
	}
	if c.all {
		return true
	}
	typ := curlHost
	var addr netip.Addr
	switch {
	case strings.HasPrefix(name, "["):
		// Not produced by net/url; curl would take the text inside the brackets.
		end := strings.IndexByte(name, ']')
		if end < 0 {
			return false
		}
		name = name[1:end]
		a, ok := parseIPv6Text(name)
		if !ok {
			return false
		}
		typ, addr = curlIPv6, a
	default:
		if a, ok := parseIPv4Text(name); ok {
			typ, addr = curlIPv4, a
		} else if a, ok := parseIPv6Text(name); ok && c.rules.numericIPv6 {
			typ, addr = curlIPv6, a
		} else {
			name = strings.TrimSuffix(name, ".")
		}
	}
	for i := range c.tokens {
		var match bool
		switch typ {
		case curlHost:
			match = curlHostMatch(c.tokens[i].name, name)
		default:
			match = c.tokens[i].addrMatch(typ, addr)
		}
		if match {
			return true
		}
	}
	return false
}

// curlHostMatch compares a token (dots already trimmed) with a host name
// (trailing dot already trimmed): equal, or a tail match at a dot.
func curlHostMatch(tok, name string) bool {
	switch {
	case len(tok) == len(name):
		return strings.EqualFold(tok, name)
	case len(tok) < len(name):
		i := len(name) - len(tok)
		return name[i-1] == '.' && strings.EqualFold(tok, name[i:])
	}
	return false
}

func (t *curlToken) addrMatch(typ curlNameType, addr netip.Addr) bool {
	if t.noMatch {
		return false
	}
	bits := t.bits
	if typ == curlIPv4 {
		if !t.v4.IsValid() || bits > 32 {
			return false
		}
		if bits == 0 || bits == 32 {
			return t.v4 == addr
		}
		p, _ := t.v4.Prefix(int(bits))
		return p.Contains(addr)
	}
	if bits == 0 {
		bits = 128
	}
	if bits > 128 || !t.v6.IsValid() {
		return false
	}
	a, b := addr.As16(), t.v6.As16()
	bytes, rest := bits/8, bits%8
	for i := uint64(0); i < bytes; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	if rest != 0 && (a[bytes]^b[bytes])&(0xff<<(8-rest)) != 0 {
		return false
	}
	return true
}

// cAtoiUnsigned mimics (unsigned int)atoi(s): leading blanks, an optional
// sign, the leading digits; a negative value wraps around to a huge one.
func cAtoiUnsigned(s string) uint64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
		if n > 1<<32 {
			n = 1 << 32
		}
	}
	if neg && n != 0 {
		return 1 << 32 // wraps to a value no prefix length accepts
	}
	return n
}

// parseIPv4Text accepts what inet_pton(AF_INET) accepts: four decimal
// octets, no leading zeros.
func parseIPv4Text(s string) (netip.Addr, bool) {
	if s == "" || len(s) > 15 || strings.Trim(s, "0123456789.") != "" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return a, true
}

// parseIPv6Text accepts what inet_pton(AF_INET6) accepts: an IPv6 address
// without brackets or zone, possibly ending in dotted IPv4.
func parseIPv6Text(s string) (netip.Addr, bool) {
	if strings.IndexByte(s, ':') < 0 || strings.Trim(s, "0123456789abcdefABCDEF:.") != "" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return netip.Addr{}, false
	}
	return a, true
}

// curlHostName returns the host name curl checks against the list: the
// URL's host as curl's URL parser leaves it, internationalized names in
// their xn-- form, IPv6 without brackets and in
// its normal (compressed, lower-case) form, numeric IPv4 forms such as
// "10.1.2" or "0x0a000001" normalized to four decimal octets.
func curlHostName(u *url.URL) string {
	h := u.Hostname()
	if !isASCII(h) {
		// curl converts an internationalized name to its xn-- form before
		// it checks the list (libidn2, in a UTF-8 locale).
		if a, err := idna.Lookup.ToASCII(h); err == nil {
			return a
		}
		return h
	}
	if strings.IndexByte(h, ':') >= 0 {
		if a, err := netip.ParseAddr(h); err == nil {
			return a.WithZone("").String() // curl keeps a zone apart from the name
		}
		return h
	}
	if _, ok := parseIPv4Text(h); ok {
		return h
	}
	if strings.Trim(h, "0123456789abcdefABCDEFxX.") != "" {
		return h // not numeric: the common case, without allocating
	}
	if a, ok := curlIPv4Normalize(h); ok {
		return a
	}
	return h
}

// curlIPv4Normalize reads the one to four numeric parts curl's URL parser
// accepts as an IPv4 address (each decimal, 0x hex or 0 octal; the last part
// fills the remaining bytes) and returns the dotted-quad form.
func curlIPv4Normalize(h string) (string, bool) {
	if h == "" {
		return "", false
	}
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return "", false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseCNumber(p)
		if !ok {
			return "", false
		}
		nums[i] = n
	}
	last := len(nums) - 1
	for i := 0; i < last; i++ {
		if nums[i] > 255 {
			return "", false
		}
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return "", false
	}
	var v uint32
	for i := 0; i < last; i++ {
		v |= uint32(nums[i]) << (24 - 8*i)
	}
	v |= uint32(nums[last])
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String(), true
}

// parseCNumber parses a number as strtoul with base 0 does, whole string only.
func parseCNumber(s string) (uint64, bool) {
	base := uint64(10)
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		var d uint64
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		n = n*base + d
		if n > 1<<32 {
			return 0, false
		}
	}
	return n, true
}
