package proxyenv

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// LossKind says how a converted entry differs from the original.
type LossKind uint8

const (
	// Widened: the conversion bypasses the proxy for more than the entry
	// did (a port was dropped).
	Widened LossKind = iota + 1
	// Narrowed: the conversion bypasses the proxy for less than the entry
	// did (IPv6 ranges, other spellings of an address).
	Narrowed
	// Dropped: the entry was left out; the converted list does not cover
	// it at all (invalid entries, IPv4 prefixes, misplaced wildcards,
	// ranges too large to enumerate, dotted digits such as .20.30.40).
	Dropped
)

func (k LossKind) String() string {
	switch k {
	case Widened:
		return "widened"
	case Narrowed:
		return "narrowed"
	case Dropped:
		return "dropped"
	}
	return "loss(" + strconv.Itoa(int(k)) + ")"
}

// Loss is a no-proxy entry that a conversion could not carry over exactly.
type Loss struct {
	Entry   string   // the entry as written
	Kind    LossKind // widened, narrowed or dropped
	Message string   // what happens instead, and what to do
}

func (l Loss) String() string { return l.Entry + ": " + l.Kind.String() + ": " + l.Message }

// javaLoopback are the parts every list from [NoProxy.Java] ends with: Go
// never proxies localhost and loopback addresses. Java's own defaults
// ([JavaDefaults]) are appended by Java too; listing them keeps the list
// non-empty (an empty property would disable them) and covers the spelling
// of ::1 that Java itself prints.
var javaLoopback = []string{"localhost", "127.*", "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.*", "0.0.0.0", "[::0]"}

// maxJavaPatterns bounds the patterns a single CIDR entry may expand to.
const maxJavaPatterns = 64

// Java returns the http.nonProxyHosts value that makes Java decide as Go
// ([NoProxy.Bypass] with [Go]) does wherever Java can express it, and a
// [Loss] for each entry carried over inexactly:
//
//	example.com      → example.com|*.example.com
//	.example.com     → *.example.com
//	*.example.com    → *.example.com
//	example.com:8080 → example.com|*.example.com   (widened: Java has no ports)
//	10.0.0.0/8       → 10.*                       (narrowed: Go also bypasses [::ffff:10.0.0.1])
//	172.16.0.0/12    → 172.16.*|…|172.31.*        (enumerated, at most 64 patterns; narrowed as above)
//	fd00::1          → [fd00::1]|[fd00:0:0:0:0:0:0:1]
//	fd12:3456::/32   → [fd12:3456:*               (prefix length a multiple of 16: every spelling)
//	2001:db8::/32    → [2001:db8:*                (narrowed: RFC 5952's [2001:db8::1], not [2001:0db8::1])
//	fd00::/8         → nothing                    (narrowed: Java cannot match other IPv6 ranges)
//	10.1.2           → nothing                    (dropped: not an address for any client)
//	.20.30.40        → nothing                    (dropped: Java's *.20.30.40 matches 10.20.30.40)
//	*                → *
//
// An internationalized name is listed in both its Unicode and xn-- forms.
// The list always ends with localhost|127.*|[::1]|[0:0:0:0:0:0:0:1]|[::ffff:127.*|0.0.0.0|[::0],
// so it is never empty. Where the two still differ without a Loss, it is
// because of Java's own defaults (Java always bypasses 0.0.0.0 and [::0]) or
// because Java compares text where Go compares addresses: an IPv4 address
// entry does not match the URL host [::ffff:10.1.2.3] in Java (for an IPv4
// range, a Loss says so), and the patterns 10.*
// (from 10.0.0.0/8) and 127.* also match names that begin like an address,
// such as 10.example or the shorthand 127.1 (Go proxies those).
func (l NoProxy) Java() (list string, losses []Loss) {
	var parts []string
	seen := make(map[string]bool)
	add := func(ps ...string) {
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				parts = append(parts, p)
			}
		}
	}
	lose := func(e Entry, k LossKind, format string, args ...any) {
		losses = append(losses, Loss{Entry: e.Text, Kind: k, Message: fmt.Sprintf(format, args...)})
	}
	portLoss := func(e Entry, what string) {
		if e.Port != "" {
			lose(e, Widened, "Java has no ports: %s bypasses the proxy on every port, not only %s", what, e.Port)
		}
	}
	for _, e := range l.entries {
		switch e.Kind {
		case KindAll:
			add("*")
		case KindDomain:
			if ipv4Tail(e.Host) {
				// "*.40" would match the address 10.20.30.40 in Java.
				add(e.Host)
				lose(e, Narrowed, "a number as a name: Go also bypasses its subdomains (a.%s), but Java's *.%s would bypass addresses such as %s too, which Go proxies; only %s itself is listed",
					e.Host, e.Host, ipv4Example(e.Host), e.Host)
				portLoss(e, e.Host)
				continue
			}
			for _, h := range idnSpellings(e.Host) {
				add(h, "*."+h)
			}
			portLoss(e, e.Host)
		case KindSubdomains, KindWildcard:
			if ipv4Tail(e.Host) {
				lose(e, Dropped, "dotted digits: Go matches it only as the end of a name (a.%s), never an address, but Java's *.%s would bypass addresses such as %s, which Go proxies; write a CIDR range for addresses",
					e.Host, e.Host, ipv4Example(e.Host))
				continue
			}
			for _, h := range idnSpellings(e.Host) {
				add("*." + h)
			}
			portLoss(e, "*."+e.Host)
		case KindIP:
			if e.Addr.Is6() && strings.HasSuffix(e.Text, "]") {
				lose(e, Dropped, "Go ignores an IPv6 address in brackets without a port; write %s to bypass it", e.Addr)
				continue
			}
			spellings := javaAddrSpellings(e.Addr)
			if e.Addr.Is6() && !e.Addr.Is4In6() {
				// The address as written, when not in a usual spelling.
				written := e.Text
				if strings.HasPrefix(written, "[") {
					written = written[1:strings.IndexByte(written, ']')]
				}
				if w := "[" + written + "]"; !slices.Contains(spellings, w) {
					spellings = append(spellings, w)
				}
			}
			add(spellings...)
			if e.Addr.Is4In6() {
				lose(e, Narrowed, "an IPv4-mapped address: Java matches only %s", strings.Join(spellings, " and "))
			}
			portLoss(e, e.Addr.String())
		case KindCIDR:
			pats, problem := javaRangePatterns(e.Prefix)
			if problem != "" {
				k := Dropped
				if e.Prefix.Addr().Is6() && !e.Prefix.Addr().Is4In6() {
					k = Narrowed
				}
				lose(e, k, "%s", problem)
				continue
			}
			add(pats...)
			switch a := e.Prefix.Addr(); {
			case a.Is4():
				x := a
				if e.Prefix.Bits() < 32 {
					x = x.Next()
				}
				lose(e, Narrowed, "Go also bypasses the IPv4-mapped IPv6 form of these addresses (http://[::ffff:%s]/), which Java compares as text and proxies", x)
			case e.Prefix.Bits() < 128:
				if miss := javaRangeMisses(e.Prefix, pats); miss != "" {
					lose(e, Narrowed, "%s", miss)
				}
			}
		case KindPattern:
			lose(e, Dropped, "a wildcard pattern that Go does not understand (Go matches no host with it); write *.domain or a CIDR range")
		default:
			lose(e, Dropped, "%s", e.Reason)
		}
	}
	add(javaLoopback...)
	return strings.Join(parts, "|"), losses
}

// idnSpellings returns a name as written and, for an internationalized
// name, its other form (Unicode or xn-- ASCII): Go compares both forms
// as one, Java compares text.
func idnSpellings(host string) []string {
	out := []string{host}
	var other string
	var err error
	if isASCII(host) {
		if !strings.Contains(host, "xn--") {
			return out
		}
		other, err = idna.Lookup.ToUnicode(host)
	} else {
		other, err = idna.Lookup.ToASCII(host)
	}
	if err == nil && other != host && other != "" {
		out = append(out, strings.ToLower(other))
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// javaAddrSpellings returns how Java may see addr in a URL: IPv4 as is; IPv6
// in brackets, compressed (RFC 5952) and in Java's own full form.
func javaAddrSpellings(a netip.Addr) []string {
	if a.Is4() {
		return []string{a.String()}
	}
	if a.Is4In6() {
		v4 := a.Unmap()
		return []string{v4.String(), "[::ffff:" + v4.String() + "]"}
	}
	compressed := "[" + a.String() + "]"
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	full := "[" + strings.Join(groups, ":") + "]"
	if full == compressed {
		return []string{compressed}
	}
	return []string{compressed, full}
}

// mapped0 is the first IPv4-mapped address: an IPv6 range that holds it
// holds every IPv4-mapped address, which Go never matches with it.
var mapped0 = netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff})

// javaV6RangePatterns expresses an IPv6 range whose prefix length is a
// multiple of 16 as Java prefix patterns on the URL host's text: "[" and
// the range's fixed groups as RFC 5952 writes them, then "*"
// ("fd00:1234::/32" → "[fd00:1234:*"). Every spelling those patterns match
// is an address in the range, whatever the spelling. Where the last fixed
// group is a lone zero, RFC 5952 may fold it into "::", so the pattern for
// that ("2001:db8:0::/48" → "[2001:db8::*") is listed too; it too matches
// only addresses in the range. Other zero groups of the prefix that RFC
// 5952 folds into "::" cannot be matched without matching addresses
// outside the range: those spellings are missed, as [javaRangeMisses] says.
// A range of other length, and one holding the IPv4-mapped addresses,
// cannot be expressed.
func javaV6RangePatterns(p netip.Prefix) (patterns []string, problem string) {
	bits := p.Bits()
	if bits%16 != 0 || bits == 0 || p.Contains(mapped0) {
		return nil, "Java cannot match this IPv6 range (only prefix lengths that are a multiple of 16, without the IPv4-mapped addresses); list the addresses you use"
	}
	k := bits / 16
	b := p.Addr().As16()
	groups := make([]string, k)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	patterns = []string{"[" + strings.Join(groups, ":") + ":*"}
	if k >= 2 && groups[k-1] == "0" && groups[k-2] != "0" {
		patterns = append(patterns, "["+strings.Join(groups[:k-1], ":")+"::*")
	}
	return patterns, ""
}

// javaRangeMisses says which spellings of an address in the IPv6 range p
// the Java patterns miss, for the first address after the range's start,
// or "" when they miss none: the range's fixed groups all have four hex
// digits, which every spelling writes as they are. The spellings tried are
// RFC 5952's (Go's), Java's own (no "::"), each group with four digits,
// and the last 32 bits as an IPv4 address.
func javaRangeMisses(p netip.Prefix, patterns []string) string {
	a := p.Addr().Next()
	b := a.As16()
	full := make([]string, 8)
	padded := make([]string, 8)
	for i := range full {
		g := uint64(b[2*i])<<8 | uint64(b[2*i+1])
		full[i] = strconv.FormatUint(g, 16)
		padded[i] = fmt.Sprintf("%04x", g)
	}
	dotted := strings.Join(full[:6], ":") + ":" + netip.AddrFrom4([4]byte(b[12:])).String()
	spellings := []string{"[" + a.String() + "]", "[" + strings.Join(full, ":") + "]", "[" + strings.Join(padded, ":") + "]", "[" + dotted + "]"}
	l := compileJava(strings.Join(patterns, "|"))
	var hit, miss []string
	for _, s := range slices.Compact(spellings) {
		u := &url.URL{Host: s}
		if l.bypass(u) {
			hit = append(hit, s)
		} else {
			miss = append(miss, s)
		}
	}
	if len(miss) == 0 {
		return ""
	}
	msg := fmt.Sprintf("Java compares text: it bypasses only the spellings of addresses in the range that begin like %s", strings.Join(patterns, " or "))
	if len(hit) > 0 {
		msg += fmt.Sprintf("; for %s it matches %s", a, strings.Join(hit, " and "))
	}
	return msg + fmt.Sprintf(" but proxies %s, which Go bypasses", strings.Join(miss, " and "))
}

// ipv4Tail reports whether host ("20.30.40", "40") can be the end of an
// IPv4 address as Go writes it: one to three labels, each a decimal number
// from 0 to 255 without leading zeros. Java's pattern *.host then matches
// such addresses, which Go never matches by name.
func ipv4Tail(host string) bool {
	labels := strings.Split(host, ".")
	if len(labels) > 3 {
		return false
	}
	for _, l := range labels {
		if !allDigits(l) || len(l) > 1 && l[0] == '0' || len(l) > 3 {
			return false
		}
		if n, _ := strconv.Atoi(l); n > 255 {
			return false
		}
	}
	return true
}

// ipv4Example returns an IPv4 address that ends with host (see ipv4Tail).
func ipv4Example(host string) string {
	pre := []string{"10", "20", "30"}
	return strings.Join(pre[:3-strings.Count(host, ".")], ".") + "." + host
}

// javaRangePatterns expresses an IPv4 range as Java prefix patterns, one per
// octet-aligned block, or says why it cannot (an IPv6 range, too many
// blocks).
func javaRangePatterns(p netip.Prefix) (patterns []string, problem string) {
	a := p.Addr()
	if a.Is4In6() {
		return nil, fmt.Sprintf("Go matches no address with an IPv4-mapped range; write the IPv4 range %s/%d", a.Unmap(), p.Bits()-96)
	}
	if a.Is6() {
		if p.Bits() == 128 {
			return javaAddrSpellings(a), ""
		}
		return javaV6RangePatterns(p)
	}
	bits := p.Bits()
	if bits == 32 {
		return []string{a.String()}, ""
	}
	if bits == 0 {
		return nil, "the whole IPv4 space: Java can only express it as * (every host); write * if that is meant"
	}
	// Round up to the next octet boundary and enumerate the blocks.
	octets := (bits + 7) / 8
	n := 1 << (octets*8 - bits)
	if n > maxJavaPatterns {
		return nil, fmt.Sprintf("would need %d Java patterns (more than %d); list narrower ranges", n, maxJavaPatterns)
	}
	b := a.As4()
	base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	step := uint32(1) << (32 - octets*8)
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		v := base + uint32(i)*step
		var sb strings.Builder
		for o := 0; o < octets; o++ {
			if o > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(strconv.Itoa(int(v >> (24 - 8*o) & 0xff)))
		}
		if octets < 4 {
			sb.WriteString(".*")
		}
		out = append(out, sb.String())
	}
	return out, ""
}
