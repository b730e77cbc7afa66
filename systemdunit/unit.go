package systemdunit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Unit is a unit file merged with its drop-ins, in the order systemd reads
// them: the unit file first, then the drop-ins sorted by file name (see
// [Merge] and [Load]). Its methods give the same effective view as the
// methods of [File] give for one file.
type Unit struct {
	// Name is the unit's name, e.g. "docker.service"; it resolves the
	// unit-name specifiers (%n, %p, %i, …).
	Name string
	// Files are the unit file and its drop-ins in reading order.
	Files []*File
}

// Merge returns the unit called name made of the unit file and the
// drop-ins in the order given (use [SortDropIns] or [Load] for systemd's
// order). The files are not copied.
func Merge(name string, unit *File, dropins ...*File) *Unit {
	u := &Unit{Name: name}
	if unit != nil {
		u.Files = append(u.Files, unit)
	}
	u.Files = append(u.Files, dropins...)
	return u
}

// files returns the unit's files with their unit name set for specifiers.
func (u *Unit) files() []*File {
	out := make([]*File, len(u.Files))
	for i, f := range u.Files {
		if u.Name != "" && f.unitName() != u.Name {
			g := *f
			g.Name = u.Name // for specifiers; keep the blocks shared
			g.displayName = f.Name
			f = &g
		}
		out[i] = f
	}
	return out
}

// Environment is [File.Environment] over the unit and its drop-ins.
func (u *Unit) Environment() ([]string, error) {
	env, _ := environment(u.files())
	return env, nil
}

// Commands is [File.Commands] over the unit and its drop-ins: a drop-in's
// empty assignment resets what the unit file set.
func (u *Unit) Commands(key string) ([]Command, error) {
	cmds, _, err := commands(u.files(), key)
	return cmds, err
}

// Check returns an error wrapping [ErrBadSetting] where systemd would
// refuse to load the service: a command it cannot parse, more than one
// ExecStart= in a service that is not Type=oneshot, or neither ExecStart=
// nor ExecStop=. Problems that systemd only warns about are not errors; see
// [Unit.Problems].
func (u *Unit) Check() error {
	fs := u.files()
	n := map[string]int{}
	for _, key := range ExecKeys {
		cmds, _, err := commands(fs, key)
		if err != nil {
			return err
		}
		n[key] = len(cmds)
	}
	last := func(section, key, def string) string {
		v := def
		for _, f := range fs {
			for _, x := range f.Values(section, key) {
				if x != "" {
					v = x
				} else {
					v = def
				}
			}
		}
		return v
	}
	typ := last(ServiceSection, "Type", "simple")
	remain := parseBool(last(ServiceSection, "RemainAfterExit", "no"))
	success := last("Unit", "SuccessAction", "none") != "none"
	switch {
	case n["ExecStart"] == 0 && n["ExecStop"] == 0 && !success:
		return fmt.Errorf("%w: service has no ExecStart=, ExecStop=, or SuccessAction=", ErrBadSetting)
	case n["ExecStart"] == 0 && typ != "oneshot":
		return fmt.Errorf("%w: service has no ExecStart= setting, which is only allowed for Type=oneshot services", ErrBadSetting)
	case n["ExecStart"] == 0 && !remain && !success:
		return fmt.Errorf("%w: service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set", ErrBadSetting)
	}
	return nil
}

// Problems returns what systemd would log about while reading the unit's
// lines, environment and commands: lines without '=', assignments outside a
// section, dropped environment words, ignored commands, unknown escapes
// kept in arguments, and the commands that make the unit fail to load. Each
// is a [*ParseError] naming file and line, in file order. Unknown keys and
// sections are not checked.
func (u *Unit) Problems() []error {
	fs := u.files()
	var problems []error
	for _, f := range fs {
		for _, b := range f.blocks {
			switch {
			case b.kind == kindOther:
				problems = append(problems, &ParseError{File: f.fileName(), Line: b.line, Text: excerpt(string(trimSpace(b.raw))),
					Err: fmt.Errorf("%w: missing '=', line ignored", ErrValue)})
			case b.kind == kindAssign && !b.inSect:
				problems = append(problems, &ParseError{File: f.fileName(), Line: b.line, Text: b.key,
					Err: fmt.Errorf("%w: assignment outside of a section ignored", ErrValue)})
			}
		}
	}
	_, envProblems := environment(fs)
	problems = append(problems, envProblems...)
	for _, key := range ExecKeys {
		_, warns, err := commands(fs, key)
		problems = append(problems, warns...)
		if pe := (*ParseError)(nil); errors.As(err, &pe) {
			problems = append(problems, pe)
		}
	}
	slices.SortStableFunc(problems, func(a, b error) int {
		pa, _ := a.(*ParseError)
		pb, _ := b.(*ParseError)
		if pa == nil || pb == nil || pa.File != pb.File {
			return 0
		}
		return pa.Line - pb.Line
	})
	return problems
}

// Check is [Unit.Check] for a unit made of this file alone.
func (f *File) Check() error { return Merge(f.unitName(), f).Check() }

// Problems is [Unit.Problems] for this file alone.
func (f *File) Problems() []error { return Merge(f.unitName(), f).Problems() }

// parseBool is systemd's parse_boolean() for the true values.
func parseBool(s string) bool {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	}
	return false
}
