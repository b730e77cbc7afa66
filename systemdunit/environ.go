package systemdunit

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ServiceSection is the section whose Environment= and Exec settings make
// the effective view.
const ServiceSection = "Service"

// applyEnvironment applies one Environment= value to env as systemd's
// config_parse_environ() does: "" resets; words are read until the first
// that cannot be (the rest of the line is dropped); a word whose specifiers
// fail or that is no valid assignment is dropped; a later assignment of a
// name replaces the earlier one in its position. Problems are returned,
// not fatal.
func applyEnvironment(env []string, value string, sp specifiers) ([]string, []error) {
	if value == "" {
		return nil, nil
	}
	var problems []error
	for pos := 0; ; {
		w, next, ok, err := nextWord(value, pos, false)
		if err != nil {
			problems = append(problems, fmt.Errorf("%w: %v, rest of line ignored: %s", ErrValue, err, quoted(value[pos:])))
			return env, problems
		}
		if !ok {
			return env, problems
		}
		pos = next
		s, err := sp.resolve(w.text)
		if err != nil {
			problems = append(problems, fmt.Errorf("%w: %v, ignoring %s", ErrValue, err, quoted(w.text)))
			continue
		}
		if !validAssignment(s) {
			problems = append(problems, fmt.Errorf("%w: invalid environment assignment, ignoring %s", ErrValue, quoted(s)))
			continue
		}
		env = replaceEnv(env, s)
	}
}

// replaceEnv sets the assignment kv in env, in place of an earlier
// assignment of the same name.
func replaceEnv(env []string, kv string) []string {
	name, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if n, _, _ := strings.Cut(e, "="); n == name {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

// ValidName reports whether name is an environment variable name systemd
// 252 accepts: letters, digits and '_', not starting with a digit.
func ValidName(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// validAssignment is env_assignment_is_valid(): a valid name, '=', a UTF-8
// value.
func validAssignment(s string) bool {
	name, value, ok := strings.Cut(s, "=")
	return ok && ValidName(name) && utf8.ValidString(value)
}

// Environment returns the environment systemd sets from the file's
// [Service] Environment= assignments: "KEY=value" strings in systemd's
// order, where a later assignment of a key replaces the earlier one in its
// position, an empty Environment= resets the list, "%%" is "%" and words
// systemd drops (invalid names, unknown specifiers, everything after an
// invalid escape or unbalanced quotes) are dropped; [File.Problems] says
// which. Environment does not read EnvironmentFile= files. The error is
// reserved; whether systemd loads the unit at all is for [File.Check] (or
// [Unit.Check]) to say, as a setting elsewhere (a bad ExecStart=) makes it
// refuse the unit whatever its environment.
func (f *File) Environment() ([]string, error) {
	env, _ := environment([]*File{f})
	return env, nil
}

// environment computes the environment of files read in order, and the
// warnings systemd would log on the way.
func environment(files []*File) ([]string, []error) {
	var env []string
	var problems []error
	for _, f := range files {
		sp := specifiers{name: f.unitName()}
		for _, b := range f.blocks {
			if !f.isKey(b, ServiceSection, "Environment") {
				continue
			}
			var ps []error
			env, ps = applyEnvironment(env, b.value, sp)
			for _, p := range ps {
				problems = append(problems, &ParseError{File: f.fileName(), Line: b.line, Err: p})
			}
		}
	}
	return env, problems
}

// FormatEnvironment returns the Environment= value that sets the given
// "KEY=value" assignments: each a whole word in double quotes, '%' written
// as "%%", '"' and '\' and control characters escaped. It fails on an
// invalid name, a NUL byte or a value that is not UTF-8, which systemd would
// drop.
func FormatEnvironment(env ...string) (string, error) {
	var b strings.Builder
	for i, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || !ValidName(name) {
			return "", fmt.Errorf("%w: environment assignment %s", ErrUnwritable, quoted(kv))
		}
		if strings.IndexByte(kv, 0) >= 0 || !utf8.ValidString(kv) {
			return "", fmt.Errorf("%w: environment value of %s is not UTF-8 or holds NUL", ErrUnwritable, name)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		writeQuoted(&b, kv, false)
	}
	return b.String(), nil
}

// writeQuoted writes s as one double-quoted word with '%' doubled, and '$'
// doubled when dollar is set.
func writeQuoted(b *strings.Builder, s string, dollar bool) {
	b.WriteByte('"')
	writeChars(b, s, dollar)
	b.WriteByte('"')
}

func writeChar(b *strings.Builder, c byte, dollar bool) {
	switch c {
	case '%':
		b.WriteString("%%")
	case '$':
		if dollar {
			b.WriteString("$$")
		} else {
			b.WriteByte('$')
		}
	case '"', '\\':
		b.WriteByte('\\')
		b.WriteByte(c)
	case '\n':
		b.WriteString(`\n`)
	case '\t':
		b.WriteString(`\t`)
	case '\r':
		b.WriteString(`\r`)
	default:
		if c < ' ' || c == 0x7f {
			fmt.Fprintf(b, `\x%02x`, c)
			return
		}
		b.WriteByte(c)
	}
}

// ParseEnvironment reads one Environment= value as systemd does (see
// [File.Environment]) and returns its assignments in order, a later one of a
// name replacing the earlier. Words systemd drops are left out and named in
// the error, which wraps [ErrValue]; the list is right either way. Unit-name
// specifiers (%n, %i, …) are left as written.
func ParseEnvironment(value string) ([]string, error) {
	env, problems := applyEnvironment(nil, value, specifiers{})
	return env, errors.Join(problems...)
}
