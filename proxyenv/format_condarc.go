package proxyenv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/internal/quote"
)

const formatCondarc = ".condarc"

// Condarc returns the edit of a conda configuration file (.condarc) that sets
// proxy_servers: http and https, removing the entry of an unset proxy and the
// whole block when none is left. The file is edited as text, a YAML parser
// (go.yaml.in/yaml/v3) locating the block and checking the result, so that
// other keys, other entries of proxy_servers, comments, blank lines, quoting
// and indentation stay byte for byte; a decode/encode round trip would
// reformat the user's file. Values are double-quoted, with credentials
// percent-encoded (conda expands $VAR in proxy_servers; '$' never appears).
//
// Invalid YAML, several documents, a top level that is not a block mapping,
// and a proxy_servers with an anchor, an alias or other entries in flow
// style are refused with a line. [Settings.CondarcWithMirrors] also sets
// per-mirror proxies.
func (s Settings) Condarc() (Edit, []Warning, error) { return s.CondarcWithMirrors(nil) }

// CondaMirror is a host conda reaches through a proxy of its own: the
// proxy_servers entry keyed "scheme://host", which requests (and so conda)
// prefers, for that host, to the http and https entries.
type CondaMirror struct {
	// Scheme is "http", "https", or "all" for both.
	Scheme string
	// Host is the mirror's host name, lower case, without port or path:
	// requests matches proxy_servers keys on the host name alone.
	Host string
	// Proxy is the proxy for the mirror.
	Proxy Proxy
}

// Key returns the proxy_servers key of the mirror: "https://conda.corp.example".
func (m CondaMirror) Key() string { return m.Scheme + "://" + m.Host }

// ParseCondaMirror reads a mirror and its proxy written MIRROR=PROXY-URL,
// MIRROR being scheme://host or a bare host (any scheme, "all"):
//
//	https://conda.corp.example=http://svc@proxy.corp:8080
//	conda.corp.example=proxy.corp:3128
//
// A mirror with a port or a path is refused: conda matches proxies by host
// name. Errors wrap [ErrMirror] or the proxy's *[ProxyError] and never quote
// the proxy's credentials.
func ParseCondaMirror(s string) (CondaMirror, error) {
	m, u, ok := strings.Cut(s, "=")
	if !ok || m == "" || u == "" {
		return CondaMirror{}, fmt.Errorf("%w %q: want MIRROR=PROXY-URL", ErrMirror, quote.Bounded(strings.SplitN(s, "@", 2)[0]))
	}
	scheme, host := "all", m
	if sc, h, ok := strings.Cut(m, "://"); ok {
		scheme, host = strings.ToLower(sc), h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "/"))
	if scheme != "http" && scheme != "https" && scheme != "all" {
		return CondaMirror{}, fmt.Errorf("%w %q: mirror scheme must be http or https", ErrMirror, quote.Bounded(m))
	}
	if host == "" || strings.ContainsAny(host, ":/@ ?#[]") {
		return CondaMirror{}, fmt.Errorf("%w %q: want a host name without port or path (conda matches proxies by host)", ErrMirror, quote.Bounded(m))
	}
	p, err := ParseProxy(u)
	if err != nil {
		return CondaMirror{}, fmt.Errorf("conda mirror %s: %w", quote.Bounded(m), err)
	}
	return CondaMirror{Scheme: scheme, Host: host, Proxy: p}, nil
}

// CondarcWithMirrors returns the edit of a .condarc that sets proxy_servers
// as [Settings.Condarc] does, and one entry per mirror, keyed
// [CondaMirror.Key], set in place or added after the others. Entries of
// mirrors not given are kept.
func (s Settings) CondarcWithMirrors(mirrors []CondaMirror) (Edit, []Warning, error) {
	var want []keyedLine // key and quoted value; an unset proxy's entry is removed
	for _, e := range []struct {
		key string
		p   *Proxy
	}{{"http", s.HTTPProxy}, {"https", s.HTTPSProxy}} {
		if e.p == nil {
			continue
		}
		want = append(want, keyedLine{e.key, string(jsonString(e.p.RevealURL()))})
	}
	for _, m := range mirrors {
		if m.Scheme != "http" && m.Scheme != "https" && m.Scheme != "all" || m.Host == "" || strings.ContainsAny(m.Host, ":/@ ?#[]") {
			return nil, nil, fmt.Errorf("%w %q", ErrMirror, quote.Bounded(m.Key()))
		}
		want = slices.DeleteFunc(want, func(kv keyedLine) bool { return kv.key == m.Key() })
		want = append(want, keyedLine{m.Key(), string(jsonString(m.Proxy.RevealURL()))})
	}
	var warns []Warning
	if !s.NoProxy.IsEmpty() {
		warns = append(warns, Warning{Format: formatCondarc, Item: "no_proxy", Message: "conda has no no-proxy setting of its own; it follows the no_proxy environment variable"})
	}
	return func(old []byte) ([]byte, error) {
		out, err := editCondarc(old, want)
		if err != nil {
			return nil, err
		}
		if err := checkCondarc(out, want); err != nil {
			return nil, err
		}
		return out, nil
	}, warns, nil
}

// condarcKey writes a proxy_servers key: http and https plain, a mirror's
// "scheme://host" double-quoted.
func condarcKey(k string) string {
	if k == "http" || k == "https" {
		return k
	}
	return string(jsonString(k))
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// parseYAML decodes src into its single document node.
func parseYAML(format string, src []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		return &doc, nil
	}
	if err != nil {
		msg := err.Error()
		fe := &FormatError{Format: format, Err: ErrMalformed}
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			fe.Line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		fe.Detail = "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
		return nil, fe
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, &FormatError{Format: format, Line: next.Line, Detail: "several YAML documents", Err: ErrMalformed}
	}
	return &doc, nil
}

// topMapping returns the top-level mapping of a document, nil for an empty
// document.
func topMapping(format string, doc *yaml.Node) (*yaml.Node, error) {
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return nil, nil
	}
	if top.Kind != yaml.MappingNode || top.Style&yaml.FlowStyle != 0 {
		return nil, &FormatError{Format: format, Line: top.Line, Detail: "the top level is not a block mapping", Err: ErrMalformed}
	}
	return top, nil
}

// editCondarc sets the entries of want in proxy_servers and removes its
// other http and https entries.
func editCondarc(old []byte, want []keyedLine) ([]byte, error) {
	if err := checkInput(formatCondarc, old); err != nil {
		return nil, err
	}
	// YAML also breaks lines at a lone CR, NEL, LS and PS; this editor
	// splits at LF only, so it refuses them rather than misplace a line.
	for _, brk := range []string{"\u0085", "\u2028", "\u2029"} {
		if i := bytes.Index(old, []byte(brk)); i >= 0 {
			return nil, &FormatError{Format: formatCondarc, Line: 1 + bytes.Count(old[:i], []byte("\n")), Detail: "a Unicode line break (NEL, LS or PS)", Err: ErrMalformed}
		}
	}
	for i, c := range old {
		if c == '\r' && (i+1 == len(old) || old[i+1] != '\n') {
			return nil, &FormatError{Format: formatCondarc, Line: 1 + bytes.Count(old[:i], []byte("\n")), Detail: "a carriage return not followed by a line feed", Err: ErrMalformed}
		}
	}
	doc, err := parseYAML(formatCondarc, old)
	if err != nil {
		return nil, err
	}
	top, err := topMapping(formatCondarc, doc)
	if err != nil {
		return nil, err
	}
	ls := splitLines(old)
	nl := newlineOf(ls)
	entry := func(indent string, kv keyedLine) line {
		return line{text: indent + condarcKey(kv.key) + ": " + kv.text, eol: nl}
	}
	newBlock := func() []line {
		if len(want) == 0 {
			return nil
		}
		b := []line{{text: "proxy_servers:", eol: nl}}
		for _, kv := range want {
			b = append(b, entry("  ", kv))
		}
		return b
	}

	// Find proxy_servers and the lines of its block.
	var key, val *yaml.Node
	next := 0 // line of the next top-level key; 0 when proxy_servers is last
	if top != nil {
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == "proxy_servers" && top.Content[i].Kind == yaml.ScalarNode {
				key, val = top.Content[i], top.Content[i+1]
				if i+2 < len(top.Content) {
					next = top.Content[i+2].Line
				}
			}
		}
	}
	if key == nil {
		b := newBlock()
		if len(b) == 0 {
			return old, nil
		}
		if len(ls) > 0 && ls[len(ls)-1].eol == "" {
			ls[len(ls)-1].eol = nl
		}
		return joinLines(append(ls, b...)), nil
	}
	if key.Column != 1 {
		return nil, &FormatError{Format: formatCondarc, Line: key.Line, Item: "proxy_servers", Detail: "top-level key not at column 1", Err: ErrMalformed}
	}
	if val.Anchor != "" || val.Kind == yaml.AliasNode || key.Anchor != "" {
		return nil, &FormatError{Format: formatCondarc, Line: key.Line, Item: "proxy_servers", Detail: "an anchor or alias; edit it by hand", Err: ErrMalformed}
	}
	start := key.Line - 1 // index in ls
	end := len(ls)        // index just after the block
	if next > 0 {
		end = next - 1
	}
	end = trimTrailing(ls, start+1, end, 0)

	owned := func(k string) bool {
		return k == "http" || k == "https" || slices.ContainsFunc(want, func(kv keyedLine) bool { return kv.key == k })
	}
	if val.Kind != yaml.MappingNode || val.Style&yaml.FlowStyle != 0 || len(val.Content) == 0 {
		// A null, a scalar, or a flow mapping: rewrite the block whole.
		for i := 0; i+1 < len(val.Content); i += 2 {
			if k := val.Content[i].Value; !owned(k) {
				return nil, &FormatError{Format: formatCondarc, Line: val.Line, Item: "proxy_servers", Detail: "other entries in flow style; write the mapping in block style", Err: ErrMalformed}
			}
		}
		return joinLines(spliceLines(ls, start, end, newBlock())), nil
	}

	// A block mapping: edit its http and https entries only.
	type child struct {
		key        string
		start, end int // line indexes of the entry
		comment    string
	}
	var children []child
	for i := 0; i+1 < len(val.Content); i += 2 {
		k, v := val.Content[i], val.Content[i+1]
		c := child{key: k.Value, start: k.Line - 1, end: end}
		if i+2 < len(val.Content) {
			c.end = val.Content[i+2].Line - 1
		}
		c.end = trimTrailing(ls, c.start+1, c.end, k.Column)
		c.comment = v.LineComment
		if c.comment == "" {
			c.comment = k.LineComment
		}
		children = append(children, c)
	}
	first := ls[children[0].start].text
	indent := first[:len(first)-len(strings.TrimLeft(first, " \t"))]
	wantText := make(map[string]string)
	for _, kv := range want {
		wantText[kv.key] = kv.text
	}
	var out []line
	out = append(out, ls[:children[0].start]...)
	kept := 0
	done := make(map[string]bool)
	for i, c := range children {
		if i > 0 {
			out = append(out, ls[children[i-1].end:c.start]...) // lines between entries
		}
		if text, ok := wantText[c.key]; ok && !done[c.key] {
			done[c.key] = true
			l := entry(indent, keyedLine{c.key, text})
			if c.comment != "" {
				l.text += " " + c.comment
			}
			l.eol = ls[c.end-1].eol
			out = append(out, l)
			kept++
			continue
		}
		if owned(c.key) {
			continue // removed, or a duplicate
		}
		out = append(out, ls[c.start:c.end]...)
		kept++
	}
	var missing []line
	for _, kv := range want {
		if !done[kv.key] {
			missing = append(missing, entry(indent, kv))
		}
	}
	if len(missing) > 0 && len(out) > 0 && out[len(out)-1].eol == "" {
		out[len(out)-1].eol = nl
	}
	out = append(out, missing...)
	if kept+len(missing) == 0 {
		// Nothing left: remove the whole block.
		return joinLines(spliceLines(ls, start, end, nil)), nil
	}
	out = append(out, ls[children[len(children)-1].end:]...)
	return joinLines(out), nil
}

// trimTrailing returns end moved back over the blank lines and the comment
// lines indented at most col-1 at the end of ls[from:end]: those belong to
// what follows.
func trimTrailing(ls []line, from, end, col int) int {
	for end > from {
		t := ls[end-1].text
		trimmed := strings.TrimLeft(t, " \t")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") && len(t)-len(trimmed) <= max(col-1, 0) {
			end--
			continue
		}
		break
	}
	return end
}

// spliceLines returns ls with ls[from:to] replaced by with.
func spliceLines(ls []line, from, to int, with []line) []line {
	out := append([]line(nil), ls[:from]...)
	out = append(out, with...)
	return append(out, ls[to:]...)
}

// checkCondarc parses the edited file and checks that proxy_servers holds
// what was wanted: the text edit is validated by the YAML parser.
func checkCondarc(out []byte, want []keyedLine) error {
	var v struct {
		ProxyServers map[string]any `yaml:"proxy_servers"`
	}
	if err := yaml.Unmarshal(out, &v); err != nil {
		return fmt.Errorf("%s: edited file does not parse (please report): %w", formatCondarc, errors.New(yamlLineRE.ReplaceAllString(err.Error(), "")))
	}
	for _, kv := range want {
		var w string
		_ = yaml.Unmarshal([]byte(kv.text), &w)
		if got, _ := v.ProxyServers[kv.key].(string); got != w {
			return fmt.Errorf("%s: edited file does not hold proxy_servers.%s (please report)", formatCondarc, kv.key)
		}
	}
	return nil
}
