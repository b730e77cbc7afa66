package proxyenv

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/internal/quote"
)

// Format names used in errors and warnings.
const (
	formatCompose    = "docker-compose.yml"
	formatComposeEnv = "compose .env"
)

// DefaultComposeServices returns the services [Settings.ComposeFile] edits
// when given none: those of Anaconda Server (Team Edition) that reach the
// internet, repo_api and repo_worker.
func DefaultComposeServices() []string { return []string{"repo_api", "repo_worker"} }

// ComposeVar returns the name of the variable of a compose project's .env
// that carries the value of the proxy variable name ("http_proxy" or
// "HTTP_PROXY" → "PROXYKIT_HTTP_PROXY"). The compose file refers to it as
// ${PROXYKIT_HTTP_PROXY}; the names differ from the proxy variables' own so
// that a proxy variable of the shell running docker-compose, which takes
// precedence over .env, cannot replace the value.
func ComposeVar(name string) string { return "PROXYKIT_" + strings.ToUpper(name) }

// ComposeFile returns the edit of a docker-compose.yml (any file docker-compose
// reads with -f) that gives the named services (by default
// [DefaultComposeServices]) the proxy variables in their environment:
// http_proxy, https_proxy and no_proxy in both cases (Python's requests and
// conda read either, curl the lower-case http_proxy), each as a reference
// to its [ComposeVar] — "HTTP_PROXY: ${PROXYKIT_HTTP_PROXY}" — so that the
// file holds no credential; [Settings.ComposeDotEnv] writes the values into
// the project's .env, which docker-compose reads by itself. An unset proxy's
// variables are removed.
//
// The file is edited as text, go.yaml.in/yaml/v3 only locating the lines of
// each service's environment and checking the result: every other byte —
// other services, comments, key order, quoting, anchors and aliases — is
// kept, which a decode/encode round trip would not do. An environment in
// map form gets "NAME: ${…}" lines, one in list form "- NAME=${…}" items;
// a service without one gets an environment block after its last key, in the
// form the file's other services use (map form when none has one). A
// variable already holding its reference is left as written.
//
// Refused, with a line: input that is not YAML or holds several documents,
// no top-level services mapping (the version 1 format), a named service
// missing (ErrNoService), a service or environment in flow style or that is
// an alias or an anchor other nodes refer to (editing it would change them
// too), and a service whose environment comes from a merge key ("<<"),
// which an environment of its own would replace whole.
func (s Settings) ComposeFile(services ...string) (Edit, []Warning, error) {
	if len(services) == 0 {
		services = DefaultComposeServices()
	}
	var names []string
	for _, name := range services {
		if err := checkServiceName(name); err != nil {
			return nil, nil, err
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	c := composeEdit{services: names}
	for _, v := range s.envVars() {
		if v.value == "" {
			c.remove = append(c.remove, v.name)
		} else {
			c.want = append(c.want, keyedLine{v.name, "${" + ComposeVar(v.name) + "}"})
		}
	}
	var warns []Warning
	if s.HasCredentials() {
		warns = append(warns, Warning{Format: formatCompose, Message: "the containers' environment holds the proxy credentials, which \"docker inspect\" shows to everyone who may use Docker on this host; " +
			"the compose file holds none: they are in .env"})
	}
	return c.edit, warns, nil
}

// checkServiceName refuses a service name that is not plain: letters,
// digits, '_', '-' and '.'.
func checkServiceName(name string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.')
	}) >= 0 {
		return unsafeValue(formatCompose, quote.Bounded(name), "a service name of letters, digits, '_', '-' and '.'")
	}
	return nil
}

// ComposeDotEnv returns the edit of a compose project's .env that sets the
// variables [Settings.ComposeFile] refers to: PROXYKIT_HTTP_PROXY,
// PROXYKIT_HTTPS_PROXY and PROXYKIT_NO_PROXY (see [ComposeVar]), one
// NAME=value line each, unquoted. An unset proxy's line is removed; other
// lines and comments are kept as by [Settings.EtcEnvironment]. docker-compose
// reads .env with python-dotenv (1.x) or its own parser (2.x), both of which
// expand "$" and quotes: values are limited to characters both read the same
// unquoted, which proxy URLs (credentials percent-encoded) and no-proxy
// lists are made of. The file holds the password: create it 0600.
func (s Settings) ComposeDotEnv() (Edit, []Warning, error) {
	var vars []envVar
	for _, v := range s.envVars() {
		if v.name == strings.ToLower(v.name) {
			continue // one variable for both cases
		}
		v.name = ComposeVar(v.name)
		if class, bad := charClass(v.value, func(c byte) bool { return !envSafe(c) }); bad {
			return nil, nil, unsafeValue(formatComposeEnv, v.name, class)
		}
		vars = append(vars, v)
	}
	owned := make(map[string]bool)
	for _, v := range vars {
		owned[v.name] = true
	}
	join := func(ls []line) ([]line, error) { return joinShell(formatComposeEnv, ls, owned, false) }
	return envEdit(formatComposeEnv, vars, false, join, func(v envVar) string {
		return v.name + "=" + v.value
	}), nil, nil
}

// ComposeServiceNames returns the names of the services of a compose file,
// in file order: the names its containers reach each other by, which
// belong in their no_proxy.
func ComposeServiceNames(src []byte) ([]string, error) {
	f, err := parseCompose(src)
	if err != nil {
		return nil, err
	}
	var names []string
	for i := 0; i+1 < len(f.services.Content); i += 2 {
		names = append(names, f.services.Content[i].Value)
	}
	return names, nil
}

// composeEdit is the compiled edit of [Settings.ComposeFile].
type composeEdit struct {
	services []string
	want     []keyedLine // variable name and reference, in writing order
	remove   []string    // variables of unset proxies
}

// composeFile is a parsed compose file.
type composeFile struct {
	lines    []line
	nl       string
	services *yaml.Node // the services mapping
	end      int        // index in lines just after the services block
	aliased  map[*yaml.Node]bool
}

func parseCompose(old []byte) (*composeFile, error) {
	if err := checkInput(formatCompose, old); err != nil {
		return nil, err
	}
	if err := checkYAMLBreaks(formatCompose, old); err != nil {
		return nil, err
	}
	doc, err := parseYAML(formatCompose, old)
	if err != nil {
		return nil, err
	}
	top, err := topMapping(formatCompose, doc)
	if err != nil {
		return nil, err
	}
	f := &composeFile{lines: splitLines(old), aliased: make(map[*yaml.Node]bool)}
	f.nl = newlineOf(f.lines)
	f.end = len(f.lines)
	if top != nil {
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Kind == yaml.ScalarNode && top.Content[i].Value == "services" {
				k, v := top.Content[i], top.Content[i+1]
				if k.Column != 1 {
					return nil, &FormatError{Format: formatCompose, Line: k.Line, Item: "services", Detail: "top-level key not at column 1", Err: ErrMalformed}
				}
				if v.Kind != yaml.MappingNode || v.Style&yaml.FlowStyle != 0 {
					return nil, &FormatError{Format: formatCompose, Line: k.Line, Item: "services", Detail: "not a block mapping", Err: ErrMalformed}
				}
				f.services = v
				if i+2 < len(top.Content) {
					f.end = top.Content[i+2].Line - 1
				}
			}
		}
	}
	if f.services == nil {
		return nil, &FormatError{Format: formatCompose, Detail: "no top-level services mapping (the version 1 format is not supported)", Err: ErrMalformed}
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			f.aliased[n.Alias] = true
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	return f, nil
}

// checkYAMLBreaks refuses the line breaks YAML knows but the line-based
// editors do not split at: NEL, LS, PS and a lone CR.
func checkYAMLBreaks(format string, old []byte) error {
	for _, brk := range []string{"\u0085", "\u2028", "\u2029"} {
		if i := bytes.Index(old, []byte(brk)); i >= 0 {
			return &FormatError{Format: format, Line: 1 + bytes.Count(old[:i], []byte("\n")), Detail: "a Unicode line break (NEL, LS or PS)", Err: ErrMalformed}
		}
	}
	for i, c := range old {
		if c == '\r' && (i+1 == len(old) || old[i+1] != '\n') {
			return &FormatError{Format: format, Line: 1 + bytes.Count(old[:i], []byte("\n")), Detail: "a carriage return not followed by a line feed", Err: ErrMalformed}
		}
	}
	return nil
}

// splice replaces lines[from:to] with with.
type splice struct {
	from, to int
	with     []line
}

func (c composeEdit) edit(old []byte) ([]byte, error) {
	f, err := parseCompose(old)
	if err != nil {
		return nil, err
	}
	listStyle := false // the file's style, from the first environment found
	for i := 1; i < len(f.services.Content); i += 2 {
		if env := mapValue(f.services.Content[i], "environment"); env != nil && len(env.Content) > 0 {
			listStyle = env.Kind == yaml.SequenceNode
			break
		}
	}
	var splices []splice
	for _, name := range c.services {
		sp, err := c.service(f, name, listStyle)
		if err != nil {
			return nil, err
		}
		splices = append(splices, sp...)
	}
	slices.SortStableFunc(splices, func(a, b splice) int { return a.from - b.from })
	var out []line
	at := 0
	for _, sp := range splices {
		out = append(out, f.lines[at:sp.from]...)
		if len(sp.with) > 0 && len(out) > 0 && out[len(out)-1].eol == "" {
			out[len(out)-1].eol = f.nl
		}
		out = append(out, sp.with...)
		at = sp.to
	}
	out = append(out, f.lines[at:]...)
	b := joinLines(out)
	if err := c.check(old, b); err != nil {
		return nil, err
	}
	return b, nil
}

// mapValue returns the value of key in a mapping node, nil when absent.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// indentOf returns the blanks that precede a node on its line, checking
// that only blanks (or, with dash, blanks and one "- ") do.
func (f *composeFile) indentOf(n *yaml.Node, dash bool) (string, error) {
	bad := &FormatError{Format: formatCompose, Line: n.Line, Detail: "an entry that does not start its line; write it in block style, one entry a line", Err: ErrMalformed}
	if n.Line < 1 || n.Line > len(f.lines) {
		return "", bad
	}
	text := f.lines[n.Line-1].text
	if n.Column < 1 || n.Column-1 > len(text) {
		return "", bad
	}
	prefix := text[:n.Column-1]
	t := strings.TrimLeft(prefix, " ")
	if dash {
		t = strings.TrimRight(strings.TrimPrefix(t, "-"), " ")
		if !strings.Contains(prefix, "-") {
			return "", bad
		}
	}
	if t != "" {
		return "", bad
	}
	return prefix, nil
}

// entryEnd returns the index just after the lines of an entry that starts
// at index from, whose range runs at most to end: trailing blank lines and
// comments are left to what follows (comments only at most as indented as
// the entry's key, for a block or quoted scalar, whose lines may start with
// '#').
func (f *composeFile) entryEnd(from, end int, col int, v *yaml.Node) int {
	if v != nil && v.Kind == yaml.ScalarNode && v.Style&(yaml.LiteralStyle|yaml.FoldedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return trimTrailing(f.lines, from+1, end, col)
	}
	for end > from+1 {
		t := strings.TrimLeft(f.lines[end-1].text, " \t")
		if t == "" || strings.HasPrefix(t, "#") {
			end--
			continue
		}
		break
	}
	return end
}

// refuse returns the error for a named service the edit cannot change.
func refuse(line int, item, detail string) error {
	return &FormatError{Format: formatCompose, Line: line, Item: item, Detail: detail, Err: ErrMalformed}
}

// service returns the splices that give the service name its variables.
func (c composeEdit) service(f *composeFile, name string, listStyle bool) ([]splice, error) {
	var key, svc *yaml.Node
	end := f.end
	for i := 0; i+1 < len(f.services.Content); i += 2 {
		if k := f.services.Content[i]; k.Kind == yaml.ScalarNode && k.Value == name {
			key, svc = k, f.services.Content[i+1]
			if i+2 < len(f.services.Content) {
				end = f.services.Content[i+2].Line - 1
			}
			break
		}
	}
	item := "services." + name
	if key == nil {
		return nil, &FormatError{Format: formatCompose, Item: item, Detail: "not among the file's services", Err: ErrNoService}
	}
	switch {
	case svc.Kind == yaml.AliasNode || f.aliased[svc]:
		return nil, refuse(key.Line, item, "an alias, or an anchor other services refer to; edit it by hand")
	case svc.Kind != yaml.MappingNode || svc.Style&yaml.FlowStyle != 0 || len(svc.Content) == 0:
		return nil, refuse(key.Line, item, "not a block mapping")
	}
	keyIndent, err := f.indentOf(key, false)
	if err != nil {
		return nil, err
	}
	first := svc.Content[0]
	svcIndent, err := f.indentOf(first, false)
	if err != nil {
		return nil, err
	}
	step := len(svcIndent) - len(keyIndent)
	if step <= 0 {
		step = 2
	}
	var ek, ev *yaml.Node
	envEnd := end
	for i := 0; i+1 < len(svc.Content); i += 2 {
		k := svc.Content[i]
		if _, err := f.indentOf(k, false); err != nil {
			return nil, err
		}
		if k.Kind == yaml.ScalarNode && k.Value == "environment" {
			ek, ev = k, svc.Content[i+1]
			if i+2 < len(svc.Content) {
				envEnd = svc.Content[i+2].Line - 1
			}
		}
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && ek == nil && mergedEnvironment(svc.Content[i+1]) {
			return nil, refuse(k.Line, item, "its environment comes from a merge key (<<), which one of its own would replace whole; edit it by hand")
		}
	}
	entry := func(indent string, kv keyedLine, list bool) line {
		if list {
			return line{text: indent + kv.key + "=" + kv.text, eol: f.nl}
		}
		return line{text: indent + kv.key + ": " + kv.text, eol: f.nl}
	}
	block := func(indent string, list bool, comment string) []line {
		if len(c.want) == 0 {
			return nil
		}
		head := line{text: indent + "environment:", eol: f.nl}
		if comment != "" {
			head.text += " " + comment
		}
		inner := indent + strings.Repeat(" ", step)
		if list {
			inner += "- "
		}
		out := []line{head}
		for _, kv := range c.want {
			out = append(out, entry(inner, kv, list))
		}
		return out
	}

	if ek == nil {
		// No environment: a block after the service's last entry.
		last := svc.Content[len(svc.Content)-2]
		at := f.entryEnd(last.Line-1, end, last.Column, svc.Content[len(svc.Content)-1])
		return []splice{{from: at, to: at, with: block(svcIndent, listStyle, "")}}, nil
	}
	item += ".environment"
	envTo := f.entryEnd(ek.Line-1, envEnd, ek.Column, ev)
	switch {
	case ev.Kind == yaml.AliasNode || f.aliased[ev] || ev.Anchor != "":
		return nil, refuse(ek.Line, item, "an alias or an anchor; edit it by hand")
	case ev.Kind == yaml.ScalarNode && ev.Tag == "!!null",
		(ev.Kind == yaml.MappingNode || ev.Kind == yaml.SequenceNode) && len(ev.Content) == 0:
		// Empty: write the block whole, in the empty value's form.
		if len(c.want) == 0 {
			return nil, nil
		}
		list := listStyle
		if ev.Kind != yaml.ScalarNode {
			list = ev.Kind == yaml.SequenceNode
		}
		comment := ek.LineComment
		if comment == "" {
			comment = ev.LineComment
		}
		return []splice{{from: ek.Line - 1, to: envTo, with: block(svcIndent, list, comment)}}, nil
	case ev.Kind != yaml.MappingNode && ev.Kind != yaml.SequenceNode:
		return nil, refuse(ek.Line, item, "neither a mapping nor a list")
	case ev.Style&yaml.FlowStyle != 0:
		return nil, refuse(ek.Line, item, "in flow style; write it in block style")
	}
	list := ev.Kind == yaml.SequenceNode

	// The entries: their names, first nodes and line ranges.
	type child struct {
		name       string
		value      string
		start, end int
		keep       bool // already holds the wanted reference
		comment    string
	}
	var children []child
	step2 := 2
	if list {
		step2 = 1
	}
	for i := 0; i < len(ev.Content); i += step2 {
		var k, v *yaml.Node
		if list {
			k, v = ev.Content[i], ev.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, refuse(k.Line, item, "an item that is not a NAME=value string")
			}
		} else {
			k, v = ev.Content[i], ev.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, refuse(k.Line, item, "a key that is not a name")
			}
		}
		if _, err := f.indentOf(k, list); err != nil {
			return nil, err
		}
		ch := child{start: k.Line - 1, end: envTo}
		next := i + step2
		if next < len(ev.Content) {
			ch.end = ev.Content[next].Line - 1
		}
		ch.end = f.entryEnd(ch.start, ch.end, k.Column, v)
		if list {
			ch.name, ch.value, _ = strings.Cut(k.Value, "=")
		} else {
			ch.name = k.Value
			if v.Kind == yaml.ScalarNode {
				ch.value = v.Value
			}
		}
		ch.comment = v.LineComment
		if ch.comment == "" {
			ch.comment = k.LineComment
		}
		ch.keep = ch.end-ch.start == 1 && v.Kind == yaml.ScalarNode && v.Tag == "!!str"
		children = append(children, ch)
	}
	// The first entry's indentation; in list form, with its dash and the
	// blanks after it.
	indent, _ := f.indentOf(ev.Content[0], list)
	wanted := make(map[string]string, len(c.want))
	for _, kv := range c.want {
		wanted[kv.key] = kv.text
	}
	removed := make(map[string]bool, len(c.remove))
	for _, k := range c.remove {
		removed[k] = true
	}
	var sps []splice
	done := make(map[string]bool)
	kept := 0
	for _, ch := range children {
		ref, isWanted := wanted[ch.name]
		switch {
		case isWanted && !done[ch.name]:
			done[ch.name] = true
			kept++
			if ch.keep && ch.value == ref {
				continue
			}
			l := entry(indent, keyedLine{ch.name, ref}, list)
			if ch.comment != "" {
				l.text += " " + ch.comment
			}
			l.eol = f.lines[ch.end-1].eol
			sps = append(sps, splice{from: ch.start, to: ch.end, with: []line{l}})
		case isWanted || removed[ch.name]:
			sps = append(sps, splice{from: ch.start, to: ch.end}) // a duplicate, or an unset proxy's
		default:
			kept++
		}
	}
	var missing []line
	for _, kv := range c.want {
		if !done[kv.key] {
			missing = append(missing, entry(indent, kv, list))
		}
	}
	if kept+len(missing) == 0 {
		// Nothing left: the environment goes, but for its key when it is
		// the service's only one (a service must stay a mapping).
		var keep []line
		if len(svc.Content) == 2 {
			keep = []line{{text: svcIndent + "environment:", eol: f.lines[envTo-1].eol}}
		}
		return []splice{{from: ek.Line - 1, to: envTo, with: keep}}, nil
	}
	if len(missing) > 0 {
		at := children[len(children)-1].end
		sps = append(sps, splice{from: at, to: at, with: missing})
	}
	return sps, nil
}

// mergedEnvironment reports whether a merge key's value (an alias, or a
// list of them) brings an environment.
func mergedEnvironment(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.AliasNode:
		return n.Alias != nil && mergedEnvironment(n.Alias)
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if mergedEnvironment(c) {
				return true
			}
		}
	case yaml.MappingNode:
		return mapValue(n, "environment") != nil
	}
	return false
}

// check parses the edited file and compares it with the original: each
// named service's environment holds the wanted references and none of the
// removed variables, and everything else decodes as before. The text edit
// is validated by the YAML parser.
func (c composeEdit) check(old, out []byte) error {
	fail := func(what string) error {
		return fmt.Errorf("%s: edited file %s (please report)", formatCompose, what)
	}
	var a, b map[string]any
	if err := yaml.Unmarshal(old, &a); err != nil {
		return fail("cannot be compared: " + yamlLineRE.ReplaceAllString(err.Error(), ""))
	}
	if err := yaml.Unmarshal(out, &b); err != nil {
		return fail("does not parse: " + yamlLineRE.ReplaceAllString(err.Error(), ""))
	}
	owned := make(map[string]bool)
	for _, kv := range c.want {
		owned[kv.key] = true
	}
	for _, k := range c.remove {
		owned[k] = true
	}
	for _, name := range c.services {
		stripEnvironment(a, name, owned)
		envB := stripEnvironment(b, name, owned)
		for _, kv := range c.want {
			if v, ok := envB[kv.key]; !ok || v == nil || *v != kv.text {
				return fail("does not give " + name + " " + kv.key)
			}
		}
		for _, k := range c.remove {
			if _, ok := envB[k]; ok {
				return fail("still gives " + name + " " + k)
			}
		}
	}
	if !reflect.DeepEqual(a, b) {
		return fail("changed more than the environment of " + strings.Join(c.services, " and "))
	}
	return nil
}

// stripEnvironment normalizes the environment of service name in a decoded
// compose file, list or map form, into a map; removes the owned variables
// from the file's copy (and the environment when nothing is left); and
// returns the whole map as it was.
func stripEnvironment(doc map[string]any, name string, owned map[string]bool) map[string]*string {
	svcs, _ := doc["services"].(map[string]any)
	svc, _ := svcs[name].(map[string]any)
	if svc == nil {
		return nil
	}
	env := make(map[string]*string)
	switch e := svc["environment"].(type) {
	case map[string]any:
		for k, v := range e {
			if v == nil {
				env[k] = nil
				continue
			}
			s := fmt.Sprint(v)
			env[k] = &s
		}
	case []any:
		for _, item := range e {
			k, v, ok := strings.Cut(fmt.Sprint(item), "=")
			if !ok {
				env[k] = nil
				continue
			}
			env[k] = &v
		}
	}
	rest := make(map[string]string)
	for k, v := range env {
		if owned[k] {
			continue
		}
		if v == nil {
			rest[k] = "\x00unset"
		} else {
			rest[k] = *v
		}
	}
	// Replace the file's copy: the form (list or map) of an environment
	// the edit created or removed is not compared.
	if len(rest) == 0 {
		delete(svc, "environment")
	} else {
		svc["environment"] = rest
	}
	return env
}
