package plan

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/proxykit/proxykit/proxyenv"
)

// Redacted replaces every secret in a diff; it is what proxyenv.Secret
// prints.
const Redacted = proxyenv.Redacted

// masker replaces each secret, in each form an edit may have written it.
type masker struct {
	r *strings.Replacer
}

// newMasker builds the replacer once for a plan's secrets.
func newMasker(secrets []string) *masker {
	seen := map[string]bool{}
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, f := range encodings(s) {
			if f != "" && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	// Longest first: at one position the replacer takes the first form
	// listed that matches, and a longer form must win over its prefix.
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	if len(forms) == 0 {
		return &masker{}
	}
	args := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		args = append(args, f, Redacted)
	}
	return &masker{r: strings.NewReplacer(args...)}
}

// userinfoPassword finds the password of a URL's userinfo (scheme://user:pw@),
// so that a credential the plan did not register — the old password in a
// file being rotated — is masked too.
var userinfoPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:'"]*:)([^\s/?#@'"]+)@`)

func (m *masker) mask(s string) string {
	if m.r != nil {
		s = m.r.Replace(s)
	}
	return userinfoPassword.ReplaceAllString(s, "${1}"+Redacted+"@")
}

// encodings lists the forms of s that files written by proxykit may hold: a
// base form (raw; percent-encoded as in URL userinfo, path and query; fully
// percent-encoded, upper and lower case) under up to two layers of quoting
// (systemd's quoted words with %% and $$, %% or $$ alone, C-style quotes,
// JSON, Go quoting, shell single and double quotes, backslash escapes of
// shell metacharacters or of everything, Java properties, YAML single
// quotes, XML).
func encodings(s string) []string {
	userinfo := strings.TrimPrefix(url.UserPassword("u", s).String(), "u:")
	user := url.User(s).String()
	all := proxyenv.EscapeUserinfo(s) // how proxyenv writes credentials in URLs
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
	var out []string
	for _, b := range bases {
		for _, l1 := range layers {
			for _, l2 := range layers {
				out = append(out, l2(l1(b)))
			}
		}
	}
	return out
}

// systemdEscape writes x as inside a double-quoted word of a unit file:
// '%' doubled, '$' doubled when dollar is set (ExecStart=), '"' and '\'
// escaped with a backslash, control characters C-escaped.
func systemdEscape(dollar bool) func(string) string {
	return func(x string) string {
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

func xmlEscape(x string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(x)) // a Builder does not fail
	return strings.NewReplacer("&#39;", "&apos;", "&#34;", "&quot;").Replace(b.String())
}

func jsonEscape(html bool) func(string) string {
	return func(x string) string {
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
