package jvmflags

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/proxykit/proxykit/internal/edit"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/systemdunit"
)

// Edit changes one file: it takes the file's old bytes (nil when the file
// does not exist) and returns its new bytes, as [Patch.DropIn]'s edit of a
// drop-in does. It is the module's one edit type, an alias of
// func(old []byte) ([]byte, error): [proxyenv.Edit] is the same type.
type Edit = edit.Edit

// ExecStart returns the drop-in settings that replace the service's
// ExecStart= with its java command line patched: an empty ExecStart= that
// resets the list the unit file set, then the patched command, so that the
// vendor's unit file is never edited. u is the unit as systemd reads it (see
// [systemdunit.Merge]): its unit file and the drop-ins that come before the
// one this result is written to. Pass the drop-in itself too or not: its
// ExecStart= is the patched command, and patching is idempotent.
//
// The command is read as systemd gives it to the process: quotes, escapes
// and specifiers resolved (the drop-in holds %C as /var/cache, %i as the
// instance), ${NAME} references kept as written. A template unit
// (name@.service) is refused for that reason: patch each instance. A whole-word
// $NAME before the terminal (split into several words when the service
// starts, like $JAVA_OPTS) is taken to hold options only, unless no terminal
// follows it, when the last one is taken to hold the terminal; either way
// the flags go before the first, where they are options whatever it holds,
// and a -D it holds for the same key comes later and wins. Use the unit's JAVA_TOOL_OPTIONS or the
// variable's value for such services instead when that matters.
//
// kept is as for [Patch.Apply]. Errors: an error wrapping
// [systemdunit.ErrBadSetting] (a [*systemdunit.ParseError] naming file and
// line where there is one) when systemd refuses to load the unit,
// [ErrExecStart] when it does not have exactly one ExecStart= command, the errors of [ParseCommand] (a
// start script or a shell is [ErrNotJava]), and [ErrValue] for a value
// systemd would read differently.
func (p Patch) ExecStart(u *systemdunit.Unit) (systemdunit.DropIn, []Property, error) {
	// A template has nothing between its first '@' and the type; an
	// instance name may hold '@' itself (getty@tty@1.service).
	if _, rest, ok := strings.Cut(u.Name, "@"); ok && strings.HasPrefix(rest, ".") {
		// Specifiers come resolved for one name; a template's drop-in
		// would give every instance the template's empty %i.
		return systemdunit.DropIn{}, nil, fmt.Errorf("%s: template unit; patch each instance (name@instance.service): %w", u.Name, ErrExecStart)
	}
	cmds, err := u.Commands("ExecStart")
	if err != nil {
		return systemdunit.DropIn{}, nil, fmt.Errorf("%s: %w", u.Name, err)
	}
	if len(cmds) != 1 {
		return systemdunit.DropIn{}, nil, fmt.Errorf("%s: %d commands: %w", u.Name, len(cmds), ErrExecStart)
	}
	// A unit systemd refuses to load (a bad setting in any Exec key, not
	// only ExecStart=) is reported, not patched: the drop-in would not make
	// it start.
	if err := u.Check(); err != nil {
		return systemdunit.DropIn{}, nil, fmt.Errorf("%s: %w", u.Name, err)
	}
	c, kept, err := p.ApplyExec(cmds[0])
	if err != nil {
		return systemdunit.DropIn{}, nil, fmt.Errorf("%s: ExecStart: %w", u.Name, err)
	}
	return systemdunit.DropIn{ExecStart: []systemdunit.Command{c}}, kept, nil
}

// DropIn returns the edit of a drop-in file of u that holds the patched
// ExecStart= (see [Patch.ExecStart]) and keeps the file's other settings.
// The edit checks its own output: the unit with the new drop-in must run
// exactly the patched command.
func (p Patch) DropIn(u *systemdunit.Unit) (edit Edit, kept []Property, err error) {
	d, kept, err := p.ExecStart(u)
	if err != nil {
		return nil, nil, err
	}
	want := d.ExecStart[0]
	name, files := u.Name, slices.Clone(u.Files)
	return func(old []byte) ([]byte, error) {
		out, err := d.Edit(old)
		if err != nil {
			return nil, err
		}
		f, err := systemdunit.Parse(out)
		if err != nil {
			return nil, fmt.Errorf("%s: read back drop-in: %w", name, err)
		}
		got, err := systemdunit.Merge(name, nil, append(slices.Clone(files), f)...).Commands("ExecStart")
		if err != nil || len(got) != 1 || !got[0].Equal(want) {
			return nil, fmt.Errorf("%s: drop-in does not read back as the patched command: %w", name, ErrValue)
		}
		return out, nil
	}, kept, nil
}

// ApplyExec patches one command of a systemd Exec setting, as
// [Patch.ExecStart] does: it knows the "@" prefix (argv[0] after the path),
// the ":" prefix (no substitution) and whole-word $NAME references, which
// [Patch.Apply] on c.Argv would take for the main class. Use it where the
// command comes from elsewhere than a [systemdunit.Unit]'s ExecStart=.
func (p Patch) ApplyExec(c systemdunit.Command) (systemdunit.Command, []Property, error) {
	argv := slices.Clone(c.Argv)
	argv0 := ""
	if c.Has("@") && len(argv) > 1 {
		argv0 = argv[1]
		argv = slices.Delete(argv, 1, 2)
	}
	// Whole-word references become placeholders: an operand keeps a
	// placeholder that reads as an operand, any other a one-word option that
	// is also a barrier for the insertion point.
	refs := make(map[string]string)
	for i, w := range argv {
		if strings.HasPrefix(strings.TrimPrefix(w, "-"), "proxykit-var-") {
			return systemdunit.Command{}, nil, &CommandError{Index: i, Arg: quote.Bounded(w), Err: ErrValue, Hint: "a word this package uses as a placeholder"}
		}
	}
	if !c.Has(":") {
		for i := 1; i < len(argv); i++ {
			w := argv[i]
			if len(w) < 2 || w[0] != '$' || !slices.Contains(c.Vars, w[1:]) {
				continue
			}
			prev := argv[i-1]
			ph := "proxykit-var-" + strconv.Itoa(i)
			if !(slices.Contains(whitespaceOptions, prev) || prev == "-m" || prev == "--module" || prev == "-jar") {
				ph = "-" + ph
			}
			refs[ph] = w
			argv[i] = ph
		}
	}
	for _, q := range p.Set {
		for _, v := range c.Vars {
			if !c.Has(":") && strings.Contains(q.Value, "${"+v) {
				return systemdunit.Command{}, nil, fmt.Errorf("property %s: value refers to $%s, which systemd would substitute: %w", q.Key, v, ErrValue)
			}
		}
	}
	barrier := func(w string) bool { _, ok := refs[w]; return ok && w[0] == '-' }
	out, kept, err := p.apply(argv, barrier)
	if errors.Is(err, ErrNoMain) {
		// No terminal after the references: the last one holds it
		// ("java -cp /a $MAIN --flag"); the flags still go before the first.
		for i := len(argv) - 1; i > 0; i-- {
			if r, ok := refs[argv[i]]; ok && argv[i][0] == '-' {
				delete(refs, argv[i])
				argv[i] = argv[i][1:]
				refs[argv[i]] = r
				out, kept, err = p.apply(argv, barrier)
				break
			}
		}
	}
	if err != nil {
		return systemdunit.Command{}, nil, err
	}
	for i, w := range out {
		if r, ok := refs[w]; ok {
			out[i] = r
		}
	}
	if c.Has("@") && len(c.Argv) > 1 {
		out = slices.Insert(out, 1, argv0)
	}
	return systemdunit.Command{Prefixes: c.Prefixes, Argv: out, Vars: slices.Clone(c.Vars)}, kept, nil
}
