package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// MinFound is the shortest value [Find] reports: shorter ones ("0", "no")
// are not credentials worth hiding, and masking them everywhere would hide
// the rest of a diff.
const MinFound = 3

// maxFind bounds the content [Find] reads.
const maxFind = 4 << 20

// Find returns the credentials content holds, whoever wrote them, in the
// forms written and decoded, for [New]:
//   - the password of every URL's userinfo ("http://user:password@host"), as
//     written and percent-decoded (systemd's "%%" undone first): apt's
//     Acquire lines, .condarc's proxy_servers, environment files, units;
//   - the value of every key naming a password, passphrase, secret, token or
//     keystore password: yum and dnf's proxy_password=, Java's
//     -Djavax.net.ssl.trustStorePassword=, PROXY_PASSWORD= in an
//     Environment= line or an environment file, a "password:" in YAML. A key
//     at the start of a line takes the rest of the line; elsewhere the value
//     runs to a blank or its closing quote;
//   - in JSON, every string under such a key, and under "auth" (Docker's
//     config.json auths, with the user:password it encodes),
//     "identitytoken" and "registrytoken".
//
// Values shorter than [MinFound] and words such as "true" are left out.
// Only the first 4 MiB of content are read.
func Find(content []byte) []string {
	if len(content) > maxFind {
		content = content[:maxFind]
	}
	f := finder{seen: map[string]bool{}}
	s := string(content)
	for rest := s; ; {
		u, ok := nextUserinfo(rest)
		if !ok {
			break
		}
		f.addDecoded(rest[u.pw:u.end])
		rest = rest[u.end:]
	}
	for _, re := range []*regexp.Regexp{keyValue, jsonKeyValue} {
		for _, m := range findKeys(re, s) {
			f.add(valueAt(s, m[0], m[1]))
		}
	}
	if t := bytes.TrimSpace(content); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		var v any
		if json.Unmarshal(t, &v) == nil {
			f.walk("", v)
		}
	}
	return f.out
}

// keyValue matches a key naming a credential and its separator.
var keyValue = regexp.MustCompile(`(?i)[A-Za-z0-9_.\-]*(?:password|passwd|passphrase|secret|token|storepass|keypass)[A-Za-z0-9_.\-]*["']?[ \t]*[=:][ \t]*`)

// jsonKeyValue matches the JSON keys of registry credentials, for a file
// that does not parse as a whole.
var jsonKeyValue = regexp.MustCompile(`(?i)"(?:auth|identitytoken|registrytoken)"[ \t]*:[ \t]*`)

// findKeys returns what re.FindAllStringIndex(s, -1) returns, for re one
// of keyValue and jsonKeyValue, without running re over all of s: each
// match ends with a '=' or ':' and the blanks after it, and begins in the
// word just before it (after at most a quote and blanks), so re runs only
// on that window around each '=' and ':'. Run over a whole file, the
// leading [A-Za-z0-9_.\-]* of keyValue tries every start in every word
// (base64 lines are long words) at a few MB/s; the windows take a plan's
// files in microseconds. The word is taken wide: every byte of a non-ASCII
// character counts as a letter (case folding lets "ſ" and "K" match s and
// k), and one byte more before it, for jsonKeyValue's opening quote. The
// windows hold one '=' or ':' each and do not overlap where a match can
// lie, so the matches are the same, in the same order.
func findKeys(re *regexp.Regexp, s string) [][]int {
	var out [][]int
	for off := 0; off < len(s); {
		i := strings.IndexAny(s[off:], "=:")
		if i < 0 {
			break
		}
		i += off
		end := i + 1
		for end < len(s) && (s[end] == ' ' || s[end] == '\t') {
			end++
		}
		start := i
		for start > off && (s[start-1] == ' ' || s[start-1] == '\t') {
			start--
		}
		if start > off && (s[start-1] == '"' || s[start-1] == '\'') {
			start--
		}
		for start > off && inWord(s[start-1]) {
			start--
		}
		if start > off {
			start-- // jsonKeyValue's opening quote
		}
		if !mayHoldKey(re, s[start:i]) {
			off = i + 1
			continue
		}
		if m := re.FindStringIndex(s[start:end]); m != nil {
			out = append(out, []int{start + m[0], start + m[1]})
			off = start + m[1]
		} else {
			off = i + 1
		}
	}
	return out
}

// keyWords are words every key of a regular expression holds (ASCII
// letters in any case); a word that holds none of them, and no character
// outside ASCII, holds no key.
var keyWords = map[*regexp.Regexp][]string{
	keyValue:     {"pass", "secret", "token"},
	jsonKeyValue: {"auth", "token"},
}

// mayHoldKey reports whether w may hold a key re matches.
func mayHoldKey(re *regexp.Regexp, w string) bool {
	for i := range len(w) {
		if w[i] >= 0x80 {
			return true // case folding reaches outside ASCII
		}
	}
	for _, k := range keyWords[re] {
		for i := 0; i+len(k) <= len(w); i++ {
			if strings.EqualFold(w[i:i+len(k)], k) {
				return true
			}
		}
	}
	return false
}

// inWord reports whether b may be part of a key's word: keyValue's
// [A-Za-z0-9_.\-], or any byte of a non-ASCII character.
func inWord(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '.' || b == '-' || b >= 0x80
}

// valueAt reads the value after a key matched at s[start:end].
func valueAt(s string, start, end int) string {
	lineStart := strings.LastIndexByte(s[:start], '\n') + 1
	lineEnd := strings.IndexByte(s[end:], '\n')
	if lineEnd < 0 {
		lineEnd = len(s)
	} else {
		lineEnd += end
	}
	rest := strings.TrimRight(s[end:lineEnd], " \t\r")
	if rest == "" {
		return ""
	}
	if start > 0 && (s[start-1] == '"' || s[start-1] == '\'') && !strings.ContainsAny(s[start:end], `"'`) {
		// KEY=value inside a quoted word: Environment="PROXY_PASSWORD=a b".
		if i := closingQuote(rest, s[start-1]); i >= 0 {
			return rest[:i]
		}
	}
	if q := rest[0]; q == '"' || q == '\'' {
		if i := closingQuote(rest[1:], q); i >= 0 {
			return rest[1 : 1+i]
		}
		return rest[1:]
	}
	before := strings.TrimSpace(s[lineStart:start])
	if before == "" || before == "export" || before == "-" || before == "set" {
		return rest
	}
	if i := strings.IndexAny(rest, " \t\"',;}"); i >= 0 {
		return rest[:i]
	}
	return rest
}

type finder struct {
	seen map[string]bool
	out  []string
}

func (f *finder) add(v string) {
	if len(v) < MinFound || f.seen[v] || v == Marker {
		return
	}
	switch strings.ToLower(v) {
	case "true", "false", "null", "none", "yes", "changeme":
		return
	}
	f.seen[v] = true
	f.out = append(f.out, v)
}

// addDecoded adds a value as written and the forms it decodes to.
func (f *finder) addDecoded(v string) {
	f.add(v)
	for _, w := range []string{v, strings.ReplaceAll(v, "%%", "%")} {
		f.add(w)
		if d, err := url.PathUnescape(w); err == nil {
			f.add(d)
		}
	}
}

// jsonKeys are the keys whose string values are credentials, besides those
// keyValue names.
var jsonKeys = []string{"auth", "identitytoken", "registrytoken"}

func (f *finder) walk(key string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			f.walk(k, e)
		}
	case []any:
		for _, e := range v {
			f.walk(key, e)
		}
	case string:
		lk := strings.ToLower(key)
		if slices.Contains(jsonKeys, lk) || keyValue.MatchString(key+"=") {
			f.add(v)
			if lk == "auth" {
				if d, err := base64.StdEncoding.DecodeString(v); err == nil {
					f.add(string(d))
					if _, pw, ok := strings.Cut(string(d), ":"); ok {
						f.add(pw)
					}
				}
			}
		}
		for rest := v; ; {
			u, ok := nextUserinfo(rest)
			if !ok {
				break
			}
			f.addDecoded(rest[u.pw:u.end])
			rest = rest[u.end:]
		}
	}
}

// closingQuote returns the index in s of the quote q that closes a word
// opened before s, skipping backslash escapes inside double quotes; -1 when
// there is none.
func closingQuote(s string, q byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && q == '"' {
			i++
			continue
		}
		if s[i] == q {
			return i
		}
	}
	return -1
}
