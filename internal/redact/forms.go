package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Forms lists the forms of s that a consumer's file may hold: a base form
// (raw; percent-encoded as in URL userinfo, path and query; every byte but
// the unreserved ones percent-encoded, upper and lower case) under up to two
// layers of quoting (systemd's quoted words with %% and $$, %% or $$ alone,
// C-style quotes, JSON, Go quoting, shell single and double quotes, backslash
// escapes of shell metacharacters or of everything, Java properties, YAML
// single quotes, XML), and s base64-encoded.
func Forms(s string) []string {
	userinfo := strings.TrimPrefix(url.UserPassword("u", s).String(), "u:")
	user := url.User(s).String()
	all := PercentEncode(s)
	bases := []string{
		s,
		userinfo,
		user,
		url.PathEscape(s),
		url.QueryEscape(s),
		strings.ReplaceAll(url.QueryEscape(s), "+", "%20"),
		all,
		strings.ToLower(all),
	}
	layers := []func(string) string{
		func(x string) string { return x },
		func(x string) string { return strings.ReplaceAll(x, "%", "%%") },
		func(x string) string { return strings.ReplaceAll(x, "$", "$$") },
		systemdEscape(true),
		systemdEscape(false),
		escapeBytes(`\"`),
		jsonEscape(true),
		jsonEscape(false),
		func(x string) string { q := strconv.Quote(x); return q[1 : len(q)-1] },
		func(x string) string { return strings.ReplaceAll(x, "'", `'\''`) },
		func(x string) string { return strings.ReplaceAll(x, "'", `'"'"'`) },
		escapeBytes("\\\"$`"),
		escapeBytes(" \t!\"#$&'()*;<=>?[\\]^`{|}~"),
		backslashEscape,
		escapeBytes(`\:=#! `),
		func(x string) string { return strings.ReplaceAll(x, "'", "''") },
		xmlEscape,
	}
	// Most values look the same under most quotings: apply each layer to
	// the distinct results of the one below only.
	once := func(in []string, l func(string) string, seen map[string]bool, out []string) []string {
		for _, x := range in {
			if y := l(x); !seen[y] {
				seen[y] = true
				out = append(out, y)
			}
		}
		return out
	}
	bases = once(bases, layers[0], map[string]bool{}, nil)
	seen1 := map[string]bool{}
	var one []string
	for _, l := range layers {
		one = once(bases, l, seen1, one)
	}
	seen2 := map[string]bool{}
	var out []string
	for _, l := range layers {
		out = once(one, l, seen2, out)
	}
	out = append(out, base64.StdEncoding.EncodeToString([]byte(s)), base64.URLEncoding.EncodeToString([]byte(s)))
	return out
}

// PercentEncode percent-encodes every byte of s but the unreserved ones of
// RFC 3986 (letters, digits, "-._~"), in upper case: the strictest form a
// credential takes inside a URL.
func PercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// systemdEscape writes x as inside a double-quoted word of a unit file:
// '%' doubled, '$' doubled when dollar is set (ExecStart=), '"' and '\'
// escaped with a backslash, control characters C-escaped.
func systemdEscape(dollar bool) func(string) string {
	return func(x string) string {
		plain := true
		for i := 0; i < len(x) && plain; i++ {
			c := x[i]
			plain = !(c == '%' || c == '$' && dollar || c == '"' || c == '\\' || c < ' ' || c == 0x7f)
		}
		if plain {
			return x // most values: nothing to escape, nothing to allocate
		}
		var b strings.Builder
		for i := 0; i < len(x); i++ {
			switch c := x[i]; {
			case c == '%':
				b.WriteString("%%")
			case c == '$' && dollar:
				b.WriteString("$$")
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\r':
				b.WriteString(`\r`)
			case c < ' ' || c == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, c)
			default:
				b.WriteByte(c)
			}
		}
		return b.String()
	}
}

// escapeBytes returns a quoting that puts a backslash before each byte in
// special.
func escapeBytes(special string) func(string) string {
	return func(x string) string {
		if !strings.ContainsAny(x, special) {
			return x
		}
		var b strings.Builder
		for i := 0; i < len(x); i++ {
			if strings.IndexByte(special, x[i]) >= 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(x[i])
		}
		return b.String()
	}
}

// xmlNamed writes xml.EscapeText's numeric references for quotes as the
// named ones.
var xmlNamed = strings.NewReplacer("&#39;", "&apos;", "&#34;", "&quot;")

func xmlEscape(x string) string {
	if plainASCII(x, `"'&<>`) {
		return x
	}
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(x)) // a Builder does not fail
	return xmlNamed.Replace(b.String())
}

// plainASCII reports whether x holds only printable ASCII and none of
// the bytes in special: what JSON and XML write as it is.
func plainASCII(x, special string) bool {
	for i := 0; i < len(x); i++ {
		if x[i] < ' ' || x[i] > '~' || strings.IndexByte(special, x[i]) >= 0 {
			return false
		}
	}
	return true
}

func jsonEscape(html bool) func(string) string {
	special := `"\\`
	if html {
		special += "<>&"
	}
	return func(x string) string {
		if plainASCII(x, special) {
			return x
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(x) // a string always encodes
		q := strings.TrimSuffix(b.String(), "\n")
		return q[1 : len(q)-1]
	}
}

// backslashEscape escapes every character that is not a letter or digit, as
// an unquoted shell word may.
func backslashEscape(x string) string {
	var b strings.Builder
	for i := 0; i < len(x); i++ {
		c := x[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
