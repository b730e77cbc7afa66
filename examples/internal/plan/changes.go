package plan

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// Changes are a plan computed against a target: for each file, its current
// content and the content the plan gives it. Changes are what [Changes.Diff]
// shows and what [Target.Apply] writes, so what is reviewed is what is
// applied. [Change.Old] and [Change.New] hold secrets in clear: show the
// Diff, never them.
type Changes struct {
	// Files holds one entry per file, in the order of the first step that
	// names it. Files reached through different links are one entry.
	Files []Change

	target  *Target
	actions []Action
	secrets []string
	mask    func() *masker // built on first use: only a diff needs it
}

// A Change is one file's current and planned content.
type Change struct {
	// Path is the file as the first step named it.
	Path string
	// Real is where Path leads once symbolic links are followed; it equals
	// Path when no link is on the way.
	Real string
	// Old is the current content; nil when the file does not exist.
	Old []byte
	// New is the planned content; nil when the file stays absent (or, in
	// the Changes of [Target.ComputeUndo], is removed).
	New []byte
	// Mode is the file's permission once applied: its current mode, or the
	// mode it is created with.
	Mode fs.FileMode
	// Secret is set when a step marked the file as holding a credential.
	Secret bool
	// Why collects the steps' reasons, in step order, without repeats.
	Why []string
	// Actions names the actions this file triggers when it changes.
	Actions []string

	uid, gid int      // owner of the existing file
	missing  []string // directories to create
}

// Changed reports whether applying the change writes the file.
func (c *Change) Changed() bool {
	if c.Old == nil || c.New == nil {
		return (c.Old == nil) != (c.New == nil)
	}
	return !bytes.Equal(c.Old, c.New)
}

// Created reports whether applying the change creates the file.
func (c *Change) Created() bool { return c.Old == nil && c.New != nil }

// Removed reports whether the change removes the file, which only an undo
// does.
func (c *Change) Removed() bool { return c.Old != nil && c.New == nil }

// Empty reports whether nothing would be written.
func (c *Changes) Empty() bool {
	for i := range c.Files {
		if c.Files[i].Changed() {
			return false
		}
	}
	return true
}

// Actions returns the actions Apply would run: those triggered by a changed
// file, each once, in plan order.
func (c *Changes) Actions() []Action {
	want := map[string]bool{}
	for i := range c.Files {
		if c.Files[i].Changed() {
			for _, n := range c.Files[i].Actions {
				want[n] = true
			}
		}
	}
	var out []Action
	for _, a := range c.actions {
		if want[a.Name] {
			out = append(out, a)
		}
	}
	return out
}

// Compute reads every file the plan names and runs its edits, without
// writing anything. It fails on the first step whose file cannot be read or
// whose edit fails or is not idempotent, with a [*FileError] naming the
// step's path. The plan may be changed or reused afterwards: the Changes
// keep their own copy of what they need.
func (t *Target) Compute(p *Plan) (*Changes, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	ch := &Changes{
		target:  t,
		actions: cloneActions(p.Actions),
		secrets: slices.Clone(p.Secrets),
	}
	ch.mask = sync.OnceValue(ch.newMasker)
	byReal := map[string]int{}
	for _, s := range p.Steps {
		name, _ := cleanPath(s.Path)
		r, err := t.resolve(name)
		if err != nil {
			return nil, &FileError{Path: name, Op: "read", Err: err}
		}
		if t.reserved(r.real) {
			return nil, &FileError{Path: name, Op: "plan", Err: fmt.Errorf("%w: the engine's state directory", ErrBadPath)}
		}
		i, seen := byReal[r.real]
		if !seen {
			st, err := t.read(r.real)
			if err != nil {
				return nil, &FileError{Path: name, Op: "read", Err: err}
			}
			c := Change{Path: name, Real: r.real, missing: r.missing, uid: -1, gid: -1}
			if st.exists {
				c.Old, c.New = st.data, st.data
				c.Mode, c.uid, c.gid = st.mode, st.uid, st.gid
			}
			i = len(ch.Files)
			byReal[r.real] = i
			ch.Files = append(ch.Files, c)
		}
		c := &ch.Files[i]
		out, err := runEdit(s.Edit, c.New)
		if err != nil {
			return nil, &FileError{Path: name, Op: "edit", Err: err}
		}
		again, err := runEdit(s.Edit, out)
		if err != nil {
			return nil, &FileError{Path: name, Op: "edit", Err: fmt.Errorf("%w: second application failed: %w", ErrNotIdempotent, err)}
		}
		if !sameContent(out, again) {
			return nil, &FileError{Path: name, Op: "edit", Err: ErrNotIdempotent}
		}
		c.New = out
		if c.Old != nil && c.New == nil {
			c.New = []byte{}
		}
		c.Secret = c.Secret || s.Secret
		if c.Old == nil && c.Mode == 0 && s.Mode != 0 {
			c.Mode = s.Mode
		}
		if s.Why != "" && !slices.Contains(c.Why, s.Why) {
			c.Why = append(c.Why, s.Why)
		}
		for _, a := range s.Actions {
			if !slices.Contains(c.Actions, a) {
				c.Actions = append(c.Actions, a)
			}
		}
	}
	for i := range ch.Files {
		c := &ch.Files[i]
		if c.Old == nil && c.Mode == 0 {
			c.Mode = 0o644
			if c.Secret {
				c.Mode = 0o600
			}
		}
	}
	return ch, nil
}

// runEdit gives e its own copy of in, so a careless edit cannot change the
// engine's record of a file.
func runEdit(e Edit, in []byte) (out []byte, err error) {
	var arg []byte
	if in != nil {
		arg = append(make([]byte, 0, len(in)), in...)
	}
	out, err = e(arg)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sameContent compares two edit results, nil (absent) apart from empty.
func sameContent(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

// reserved reports whether real is inside the engine's state directory.
func (t *Target) reserved(real string) bool {
	dir := path.Dir(t.manifest)
	return real == t.manifest || real == dir || strings.HasPrefix(real, dir+"/")
}

func cloneActions(as []Action) []Action {
	out := make([]Action, len(as))
	for i, a := range as {
		out[i] = Action{Name: a.Name, Argv: slices.Clone(a.Argv)}
	}
	return out
}
