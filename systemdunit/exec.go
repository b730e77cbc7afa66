package systemdunit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Command is one command of an Exec setting (ExecStart=, ExecStartPre=, …).
//
// Argv holds the words in order, the executable's path first; with the "@"
// prefix, Argv[1] is the argv[0] the process sees. Quotes, C escapes and
// specifiers are resolved, and "$$" is one literal "$" unless the ":" prefix
// turns variable substitution off. A reference to an environment variable
// ("$NAME" as a whole word, "${NAME}" anywhere) is kept as written and its
// name listed in Vars, so that [FormatExec] writes it back as a reference.
type Command struct {
	// Prefixes are the characters before the path, as written: any of "@"
	// (separate argv[0]), "-" (ignore failure), ":" (no variable
	// substitution), and one of "+" (full privileges), "!" (no setuid), "!!"
	// (ambient capabilities). Example: "-", "@-", ":", "".
	Prefixes string
	// Argv is the path and the arguments, e.g. ["/usr/bin/dockerd", "-H", "fd://"].
	Argv []string
	// Vars names the environment variables the words refer to; FormatExec
	// keeps "$NAME" and "${NAME}" for these names and escapes every other "$".
	Vars []string
}

// Has reports whether the prefix p ("-", "@", ":", "+", "!" or "!!") is set.
func (c Command) Has(p string) bool {
	switch p {
	case "!!":
		return strings.Contains(c.Prefixes, "!!")
	case "!":
		return strings.Contains(c.Prefixes, "!") && !strings.Contains(c.Prefixes, "!!")
	}
	return len(p) == 1 && strings.Contains(c.Prefixes, p)
}

// Equal reports whether c and d run the same: same prefixes in any order,
// same words.
func (c Command) Equal(d Command) bool {
	return canonPrefixes(c.Prefixes) == canonPrefixes(d.Prefixes) && slices.Equal(c.Argv, d.Argv)
}

func canonPrefixes(p string) string {
	var b strings.Builder
	for _, x := range []string{"@", "-", ":", "+", "!!", "!"} {
		c := Command{Prefixes: p}
		if c.Has(x) {
			b.WriteString(x)
		}
	}
	return b.String()
}

// ExecKeys are the [Service] settings that hold commands.
var ExecKeys = []string{"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"}

// parsePrefixes splits the prefix characters off a first word as systemd's
// config_parse_exec() does.
func parsePrefixes(w string) (prefixes, rest string) {
	var ignore, argv0, noEnv, priv, noSetuid, ambient bool
	i := 0
loop:
	for ; i < len(w); i++ {
		switch c := w[i]; {
		case c == '-' && !ignore:
			ignore = true
		case c == '@' && !argv0:
			argv0 = true
		case c == ':' && !noEnv:
			noEnv = true
		case c == '+' && !priv && !noSetuid && !ambient:
			priv = true
		case c == '!' && !priv && !noSetuid && !ambient:
			noSetuid = true
		case c == '!' && !priv && !ambient:
			noSetuid, ambient = false, true
		default:
			break loop
		}
	}
	return w[:i], w[i:]
}

// applyExec applies one Exec setting value to cmds as systemd does. A
// problem that makes systemd refuse the unit is returned as fatal; others
// (the command is ignored with a warning) as warnings.
func applyExec(cmds []Command, value string, sp specifiers) (_ []Command, warns []error, fatal error) {
	if value == "" {
		return nil, nil, nil
	}
	pos := 0
	for {
		// The first word is read as the arguments are: an unknown escape
		// or a trailing backslash is kept as written (and then makes the
		// path invalid); only unbalanced quotes drop the rest of the line.
		w, next, ok, err := nextWord(value, pos, true)
		if err != nil {
			return cmds, append(warns, fmt.Errorf("%w: %v, ignoring %s", ErrValue, err, quoted(value))), nil
		}
		if !ok {
			return cmds, warns, nil
		}
		if w.relaxed {
			warns = append(warns, fmt.Errorf("%w: unknown escape sequences kept as written: %s", ErrValue, quoted(value[w.start:w.end])))
		}
		pos = next
		if w.text == ";" {
			continue
		}
		prefixes, f := parsePrefixes(w.text)
		c := Command{Prefixes: prefixes}
		ignore := c.Has("-")
		bad := func(format string, a ...any) ([]Command, []error, error) {
			e := fmt.Errorf("%w: "+format, append([]any{ErrValue}, a...)...)
			if ignore {
				return cmds, append(warns, e), nil
			}
			return cmds, warns, fmt.Errorf("%w: %w", ErrBadSetting, e)
		}
		path, err := sp.resolve(f)
		switch {
		case err != nil:
			return bad("%v in %s", err, quoted(f))
		case path == "":
			return bad("empty path in command line %s", quoted(value))
		case !safeString(path):
			return bad("executable name contains special characters: %s", quoted(path))
		case strings.HasSuffix(path, "/"):
			return bad("executable path specifies a directory: %s", quoted(path))
		case !strings.HasPrefix(path, "/") && !validFilename(path):
			return bad("neither a valid executable name nor an absolute path: %s", quoted(path))
		}
		c.Argv = append(c.Argv, path)
		semicolon := false
		for pos < len(value) {
			rest := value[pos:]
			if rest[0] == ';' && (len(rest) == 1 || isSpace(rest[1])) {
				pos++
				for pos < len(value) && isSpace(value[pos]) {
					pos++
				}
				semicolon = true
				break
			}
			if strings.HasPrefix(rest, `\;`) && (len(rest) == 2 || isSpace(rest[2])) {
				pos += 2
				for pos < len(value) && isSpace(value[pos]) {
					pos++
				}
				c.Argv = append(c.Argv, ";")
				continue
			}
			w, next, ok, err := nextWord(value, pos, true)
			if err != nil {
				return bad("%v in %s", err, quoted(value))
			}
			if !ok {
				pos = len(value)
				break
			}
			pos = next
			if w.relaxed {
				warns = append(warns, fmt.Errorf("%w: unknown escape sequences kept as written: %s", ErrValue, quoted(value[w.start:w.end])))
			}
			s, err := sp.resolve(w.text)
			if err != nil {
				return bad("%v in %s", err, quoted(w.text))
			}
			c.Argv = append(c.Argv, s)
		}
		if c.Has("@") && len(c.Argv) < 2 {
			return bad("empty executable name or zeroeth argument: %s", quoted(value))
		}
		cmds = append(cmds, literal(c))
		if !semicolon {
			return cmds, warns, nil
		}
	}
}

// validFilename is filename_is_valid(): a single path component.
func validFilename(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= 255 && !strings.Contains(s, "/")
}

// literal turns the words as systemd stores them into Argv: "$$" becomes
// "$" and references are noted in Vars, unless the ":" prefix is set.
func literal(c Command) Command {
	if c.Has(":") {
		return c
	}
	var vars []string
	for i, w := range c.Argv {
		if i == 0 || !strings.Contains(w, "$") {
			continue // the path is used as written
		}
		var b strings.Builder
		forRefs(w, func(lit string, ref string, name string) {
			b.WriteString(lit)
			if ref != "" {
				b.WriteString(ref)
				if !slices.Contains(vars, name) {
					vars = append(vars, name)
				}
			}
		})
		c.Argv[i] = b.String()
	}
	c.Vars = vars
	return c
}

// forRefs walks a word as systemd's variable substitution does, calling
// emit with literal text (with "$$" already turned into "$") and with each
// reference ("$NAME" as the whole word, "${...}") and its variable name.
func forRefs(w string, emit func(lit, ref, name string)) {
	if len(w) > 1 && w[0] == '$' && ValidName(w[1:]) {
		emit("", w, w[1:])
		return
	}
	var lit strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] != '$' || i+1 >= len(w) {
			lit.WriteByte(w[i])
			continue
		}
		switch w[i+1] {
		case '$':
			lit.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(w[i:], '}')
			if end < 0 {
				lit.WriteByte('$')
				continue
			}
			ref := w[i : i+end+1]
			name := ref[2 : len(ref)-1]
			if j := strings.IndexByte(name, ':'); j >= 0 {
				name = name[:j]
			}
			emit(lit.String(), ref, name)
			lit.Reset()
			i += end
		default:
			lit.WriteByte('$')
		}
	}
	emit(lit.String(), "", "")
}

// Commands returns the effective commands of an Exec setting of the file's
// [Service] section (key is "ExecStart", "ExecStartPre", … see [ExecKeys]):
// assignments in order, an empty one resetting the list, several commands
// on one line separated by " ; ". It fails with [ErrBadSetting] where systemd
// would refuse to load the unit; commands systemd ignores with a warning
// (the "-" prefix) are left out, see [File.Problems].
func (f *File) Commands(key string) ([]Command, error) {
	cmds, _, err := commands([]*File{f}, key)
	return cmds, err
}

func commands(files []*File, key string) ([]Command, []error, error) {
	var cmds []Command
	var warns []error
	typ := "simple"
	for _, f := range files {
		sp := specifiers{name: f.unitName()}
		for _, b := range f.blocks {
			if f.isKey(b, ServiceSection, "Type") && b.value != "" {
				typ = b.value
			}
			if !f.isKey(b, ServiceSection, key) {
				continue
			}
			var ws []error
			var fatal error
			cmds, ws, fatal = applyExec(cmds, b.value, sp)
			for _, w := range ws {
				warns = append(warns, &ParseError{File: f.fileName(), Line: b.line, Err: w})
			}
			if fatal != nil {
				return nil, warns, &ParseError{File: f.fileName(), Line: b.line, Err: fatal}
			}
		}
	}
	if key == "ExecStart" && len(cmds) > 1 && typ != "oneshot" {
		return nil, warns, fmt.Errorf("%w: service has more than one ExecStart= setting, which is only allowed for Type=oneshot services", ErrBadSetting)
	}
	return cmds, warns, nil
}

// FormatExec returns the value of an Exec setting that runs c: the
// prefixes, then each word, in double quotes where it needs them. '%' is
// written "%%" everywhere and '$' as "$$" unless the ":" prefix is set
// (references to the variables in c.Vars are kept). The path must be
// absolute and free of quotes, backslashes and control characters.
func FormatExec(c Command) (string, error) {
	if len(c.Argv) == 0 {
		return "", fmt.Errorf("%w: empty command", ErrUnwritable)
	}
	if p, rest := parsePrefixes(c.Prefixes); rest != "" || p != c.Prefixes {
		return "", fmt.Errorf("%w: invalid prefixes %s", ErrUnwritable, quoted(c.Prefixes))
	}
	path := c.Argv[0]
	if !strings.HasPrefix(path, "/") || !safeString(path) || strings.HasSuffix(path, "/") {
		return "", fmt.Errorf("%w: executable path %s is not absolute or not safe", ErrUnwritable, quoted(path))
	}
	if c.Has("@") && len(c.Argv) < 2 {
		return "", fmt.Errorf("%w: the @ prefix needs an argv[0] after the path", ErrUnwritable)
	}
	var b strings.Builder
	b.WriteString(c.Prefixes)
	dollar := !c.Has(":")
	for i, w := range c.Argv {
		if strings.IndexByte(w, 0) >= 0 {
			return "", fmt.Errorf("%w: NUL byte in argument %d", ErrUnwritable, i)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		writeWord(&b, w, dollar && i > 0, c.Vars, i == 0)
	}
	return b.String(), nil
}

// writeWord writes one word of a command line, quoting it only when
// needed.
func writeWord(b *strings.Builder, w string, dollar bool, vars []string, first bool) {
	needQuote := w == "" || w == ";" || !first && strings.HasPrefix(w, ";")
	for i := 0; i < len(w) && !needQuote; i++ {
		c := w[i]
		needQuote = c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' || c == '#' && i == 0
	}
	if dollar {
		w = storedWord(w, vars)
	}
	if needQuote {
		b.WriteByte('"')
	}
	writeChars(b, w, false)
	if needQuote {
		b.WriteByte('"')
	}
}

// storedWord turns a word of Argv back into the form systemd stores: every
// '$' doubled except where it starts a reference to one of vars ("$NAME" as
// the whole word, "${NAME}" anywhere).
func storedWord(w string, vars []string) string {
	if !strings.Contains(w, "$") {
		return w
	}
	if len(w) > 1 && w[0] == '$' && slices.Contains(vars, w[1:]) {
		return w
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if strings.HasPrefix(w[i:], "${") {
			if end := strings.IndexByte(w[i:], '}'); end >= 0 {
				ref := w[i : i+end+1]
				name := ref[2 : len(ref)-1]
				if j := strings.IndexByte(name, ':'); j >= 0 {
					name = name[:j]
				}
				if slices.Contains(vars, name) {
					b.WriteString(ref)
					i += end
					continue
				}
			}
		}
		if w[i] == '$' {
			b.WriteByte('$')
		}
		b.WriteByte(w[i])
	}
	return b.String()
}

// writeChars writes s escaped for a double-quoted word; bytes that are not
// UTF-8 are written as "\xNN" escapes, which systemd turns back into bytes.
func writeChars(b *strings.Builder, s string, dollar bool) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(b, `\x%02x`, s[i])
			i++
			continue
		}
		if n == 1 {
			writeChar(b, s[i], dollar)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// ParseExec reads one value of an Exec setting as systemd does (see
// [File.Commands]): one command, or several separated by " ; ". An empty
// value is a reset and gives no command. The error wraps [ErrBadSetting]
// where systemd would refuse the unit, or [ErrValue] for a command it
// ignores with a warning (the "-" prefix) or an unknown escape it keeps;
// the commands systemd keeps are returned either way. Unit-name specifiers
// are left as written.
func ParseExec(value string) ([]Command, error) {
	cmds, warns, fatal := applyExec(nil, value, specifiers{})
	if fatal != nil {
		return nil, fatal
	}
	return cmds, errors.Join(warns...)
}
