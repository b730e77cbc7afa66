package jvmflags

import (
	"github.com/proxykit/proxykit/internal/quote"
	"strings"
)

// isSpace reports whether the JVM separates options at c (C isspace).
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// ParseToolOptions splits a JAVA_TOOL_OPTIONS (or JDK_JAVA_OPTIONS) value
// into options exactly as the JVM does (hotspot arguments.cpp,
// parse_options_buffer):
//
//   - options are separated by runs of C isspace characters (space, \t, \n,
//     \v, \f, \r);
//   - a ' or " anywhere in an option starts a quoted run that ends at the
//     next same quote; everything in between, white space and the other
//     quote included, is taken as it is; the quotes themselves are dropped:
//     -Da='x y'"z" is the option -Da=x yz;
//   - there are no escapes: a backslash is an ordinary character;
//   - a quote that is never closed makes the JVM refuse to start: here it is
//     [ErrQuote] in a *[ToolOptionsError].
//
// JAVA_TOOL_OPTIONS is read by the JVM itself, so it reaches every JVM
// whichever program starts it (a start script, jsvc, an embedding
// launcher); the JVM ignores it in a process with special privileges
// (setuid). The java launcher reads JDK_JAVA_OPTIONS (JDK 9+) with the same
// rules (libjli args.c). Options from either come before the command line's,
// so a -D on the command line wins over the same key here.
func ParseToolOptions(s string) ([]string, error) {
	if len(s) > maxInput {
		return nil, &ToolOptionsError{Offset: maxInput, Near: "", Err: ErrTooLong}
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, &ToolOptionsError{Offset: i, Err: ErrValue} // nothing quoted: a value may be a secret
	}
	var opts []string
	var b strings.Builder
	i := 0
	for i < len(s) {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			break
		}
		b.Reset()
		start := i
		for i < len(s) && !isSpace(s[i]) {
			c := s[i]
			if c != '\'' && c != '"' {
				b.WriteByte(c)
				i++
				continue
			}
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, &ToolOptionsError{Offset: i, Near: near(s, start, i), Err: ErrQuote}
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 2
		}
		opts = append(opts, b.String())
	}
	return opts, nil
}

// FormatToolOptions returns a JAVA_TOOL_OPTIONS value that the JVM splits
// back into exactly opts (see [ParseToolOptions]). Options without white
// space or quotes are written as they are; others are quoted, in single
// quotes where they hold no ', in double quotes where they hold no ", and
// otherwise in runs of both, since the JVM knows no escapes. The only option
// that cannot be written is one holding NUL ([ErrValue]).
//
// The result is the value itself; writing it into /etc/environment, a
// systemd Environment= line or a shell profile adds that format's own
// quoting on top.
func FormatToolOptions(opts []string) (string, error) {
	var b strings.Builder
	for i, o := range opts {
		if strings.IndexByte(o, 0) >= 0 {
			return "", &ToolOptionsError{Offset: i, Near: display(o), Err: ErrValue}
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteToolOption(o))
	}
	return b.String(), nil
}

// quoteToolOption quotes one option. For "-Dkey=value" with a plain key only
// the value is quoted, which reads better: -Dk='a b'.
func quoteToolOption(o string) string {
	if o == "" {
		return "''"
	}
	if !needsQuote(o) {
		return o
	}
	prefix := ""
	if strings.HasPrefix(o, "-D") {
		if k, _, ok := strings.Cut(o, "="); ok && !needsQuote(k) {
			prefix, o = k+"=", o[len(k)+1:]
		}
	}
	switch {
	case !strings.Contains(o, "'"):
		return prefix + "'" + o + "'"
	case !strings.Contains(o, `"`):
		return prefix + `"` + o + `"`
	}
	// Both quotes: single-quote the runs without ', double-quote the 's.
	var b strings.Builder
	b.WriteString(prefix)
	for o != "" {
		if n := strings.IndexByte(o, '\''); n != 0 {
			if n < 0 {
				n = len(o)
			}
			b.WriteString("'" + o[:n] + "'")
			o = o[n:]
			continue
		}
		n := len(o) - len(strings.TrimLeft(o, "'"))
		b.WriteString(`"` + o[:n] + `"`)
		o = o[n:]
	}
	return b.String()
}

func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) || s[i] == '\'' || s[i] == '"' {
			return true
		}
	}
	return false
}

// near quotes, for an error at offset i in the option starting at start,
// the option up to i, and only up to the first '=': a value may be a
// secret.
func near(s string, start, i int) string {
	w := s[start:i]
	if k, _, ok := strings.Cut(w, "="); ok {
		w = k + "=…"
	}
	return quote.Bounded(w)
}

// ApplyToolOptions returns the JAVA_TOOL_OPTIONS value with the patch made:
// the -D options of every key in Set and Remove taken out, the flags of Set
// appended, and every other option kept in its place. Before does not apply
// (the variable has no terminal). An empty value is fine; a value the JVM
// would refuse is an error. The result is written in the canonical quoting
// of [FormatToolOptions], so applying a patch twice equals applying it once.
// kept is as for [Patch.Apply].
func (p Patch) ApplyToolOptions(value string) (out string, kept []Property, err error) {
	if err := p.check(); err != nil {
		return "", nil, err
	}
	opts, err := ParseToolOptions(value)
	if err != nil {
		return "", nil, err
	}
	has := func(key string) (v string, ok bool) {
		for _, o := range opts {
			if k, val, isProp := (Option{Words: []string{o}}).Property(); isProp && k == key {
				v, ok = val, true
			}
		}
		return v, ok
	}
	drop, write, kept, stay := p.plan(has)
	prop := func(i int) (string, bool) {
		k, _, ok := (Option{Words: []string{opts[i]}}).Property()
		return k, ok
	}
	where := place(len(opts), len(opts), prop, p.keys(), drop, stay, write)
	res := make([]string, 0, len(opts)+len(write))
	for i := 0; i <= len(opts); i++ {
		for j, w := range write {
			if where[j] == i {
				res = append(res, w.Flag())
			}
		}
		if i == len(opts) {
			break
		}
		if k, ok := prop(i); ok && drop[k] {
			continue
		}
		res = append(res, opts[i])
	}
	out, err = FormatToolOptions(res)
	return out, kept, err
}
