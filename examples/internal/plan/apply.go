package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// A Report says what Apply or Undo did. Paths are as the plan named them
// (for Undo, as the manifest recorded them).
type Report struct {
	Written   []string // existing files rewritten (Undo: restored)
	Created   []string // files created
	Removed   []string // files and directories removed (Undo only; the manifest's own are not listed)
	Unchanged []string // files already as planned
	Dirs      []string // directories created
	Ran       []string // actions run
	Skipped   []string // actions the Runner skipped ([NoActions])
	Failed    []string // actions that failed
	Manifest  string   // the manifest, when it was written or removed
}

// String lists the report one item a line: "wrote etc/environment".
func (r *Report) String() string {
	var b strings.Builder
	for _, l := range []struct {
		verb  string
		items []string
	}{
		{"created directory", r.Dirs},
		{"created", r.Created},
		{"wrote", r.Written},
		{"removed", r.Removed},
		{"unchanged", r.Unchanged},
		{"ran", r.Ran},
		{"skipped", r.Skipped},
		{"failed", r.Failed},
	} {
		for _, it := range l.items {
			fmt.Fprintf(&b, "%s %s\n", l.verb, it)
		}
	}
	return b.String()
}

// Apply writes the changes under the root's lock, then runs the actions
// that changed files trigger through r (nil runs none, like [NoActions]).
//
// Before writing anything, Apply checks under the lock that every file is
// still as Compute read it ([ErrStale] otherwise) and records the files'
// current state in the manifest. Each file is then replaced atomically, so
// that a crash or a failure leaves every file whole: old or new. A failed
// write stops Apply with an [*ApplyError] that lists which files were and
// were not applied. Changes that change nothing write nothing, not even the
// manifest, and run no action.
//
// The report is never nil. A failed action does not stop the others; their
// [*ActionError]s are joined in the returned error.
func (t *Target) Apply(ctx context.Context, ch *Changes, r Runner) (*Report, error) {
	rep := &Report{}
	if ch.target != t {
		return rep, errors.New("apply: the changes were not computed by this target's Compute (an undo preview is carried out by Undo)")
	}
	unlock, err := t.lock(ctx)
	if err != nil {
		return rep, err
	}
	defer unlock()
	_ = t.at("locked", "")
	if err := t.cleanStale(); err != nil {
		return rep, err
	}

	var todo []*Change
	fresh := map[string][]string{}
	for i := range ch.Files {
		c := &ch.Files[i]
		res, err := t.resolve(c.Path)
		if err != nil {
			return rep, &FileError{Path: c.Path, Op: "apply", Err: err}
		}
		if res.real != c.Real {
			return rep, &FileError{Path: c.Path, Op: "apply", Err: fmt.Errorf("%w: now leads to %s", ErrStale, res.real)}
		}
		st, err := t.read(c.Real)
		if err != nil {
			return rep, &FileError{Path: c.Path, Op: "apply", Err: err}
		}
		if st.exists != (c.Old != nil) || !bytes.Equal(st.data, c.Old) {
			return rep, &FileError{Path: c.Path, Op: "apply", Err: ErrStale}
		}
		if c.Changed() {
			todo = append(todo, c)
			fresh[c.Real] = res.missing
		} else {
			rep.Unchanged = append(rep.Unchanged, c.Path)
		}
	}
	m, err := t.loadManifest()
	if err != nil {
		return rep, err
	}
	if len(todo) == 0 {
		if m == nil || len(m.Pending) == 0 {
			return rep, nil
		}
		// An earlier run changed files and did not finish their actions.
		return rep, t.runAndRecord(ctx, r, m, rep, ch.mask)
	}
	if m == nil {
		m = &manifest{Version: manifestVersion}
	}
	for _, a := range ch.actions {
		i := slices.IndexFunc(m.Actions, func(b Action) bool { return b.Name == a.Name })
		if i < 0 {
			m.Actions = append(m.Actions, a)
		} else {
			m.Actions[i] = a
		}
	}
	for _, a := range ch.Actions() {
		if !slices.Contains(m.Pending, a.Name) {
			m.Pending = append(m.Pending, a.Name)
		}
	}
	for _, c := range todo {
		e := m.entry(c.Real)
		if e == nil {
			m.Files = append(m.Files, manifestEntry{
				Path: c.Real, Existed: c.Old != nil, Old: c.Old,
				Mode: c.Mode, UID: c.uid, GID: c.gid,
			})
			e = &m.Files[len(m.Files)-1]
		}
		if d := digest(c.New); !slices.Contains(e.Wrote, d) {
			e.Wrote = append(e.Wrote, d)
		}
		for _, a := range c.Actions {
			if !slices.Contains(e.Actions, a) {
				e.Actions = append(e.Actions, a)
			}
		}
		for _, d := range fresh[c.Real] {
			if !slices.Contains(m.Dirs, d) {
				m.Dirs = append(m.Dirs, d)
			}
		}
	}
	if err := t.storeManifest(m); err != nil {
		return rep, err
	}
	rep.Manifest = t.manifest

	for i, c := range todo {
		if err := t.applyOne(c, fresh[c.Real], rep); err != nil {
			ae := &ApplyError{Path: c.Path, Err: err}
			for _, d := range todo[:i] {
				ae.Applied = append(ae.Applied, d.Path)
			}
			for _, d := range todo[i:] {
				ae.NotApplied = append(ae.NotApplied, d.Path)
			}
			return rep, ae
		}
	}
	_ = t.at("files-written", "")
	return rep, t.runAndRecord(ctx, r, m, rep, ch.mask)
}

func (t *Target) applyOne(c *Change, missing []string, rep *Report) error {
	for _, d := range missing {
		created, err := t.mkdir(d, 0o755)
		if err != nil {
			return fmt.Errorf("create directory %s: %w", d, err)
		}
		if created {
			rep.Dirs = append(rep.Dirs, d)
		}
	}
	uid, gid := c.uid, c.gid
	if c.Old == nil {
		uid, gid = -1, -1
	}
	if err := t.write(c.Real, c.New, c.Mode, uid, gid); err != nil {
		return err
	}
	if c.Old == nil {
		rep.Created = append(rep.Created, c.Path)
	} else {
		rep.Written = append(rep.Written, c.Path)
	}
	return nil
}

// runPending runs the manifest's pending actions, in plan order, through r,
// recording each outcome in rep, and leaves in m.Pending those that failed. An action skipped by the runner counts as done.
// A failed action's command line and output are masked like a diff.
func (t *Target) runPending(ctx context.Context, r Runner, m *manifest, rep *Report, mask func() *masker) error {
	if r == nil {
		r = NoActions
	}
	var errs []error
	var failed []string
	for _, a := range m.Actions {
		if !slices.Contains(m.Pending, a.Name) {
			continue
		}
		err := r.Run(ctx, a)
		switch {
		case err == nil:
			rep.Ran = append(rep.Ran, a.Name)
		case errors.Is(err, ErrSkipped):
			rep.Skipped = append(rep.Skipped, a.Name)
		default:
			rep.Failed = append(rep.Failed, a.Name)
			failed = append(failed, a.Name)
			var ae *ActionError
			if !errors.As(err, &ae) {
				ae = &ActionError{Action: a, Err: err}
				err = ae
			}
			if ae.Output != nil {
				ae.Output = []byte(mask().mask(string(ae.Output)))
			}
			argv := make([]string, len(ae.Action.Argv))
			for i, arg := range ae.Action.Argv {
				argv[i] = mask().mask(arg)
			}
			ae.Action.Argv = argv
			errs = append(errs, err)
		}
		_ = t.at("action", a.Name)
	}
	m.Pending = failed
	return errors.Join(errs...)
}

// runAndRecord runs the pending actions, then records in the manifest that
// only the failed ones are still pending.
func (t *Target) runAndRecord(ctx context.Context, r Runner, m *manifest, rep *Report, mask func() *masker) error {
	err := t.runPending(ctx, r, m, rep, mask)
	if serr := t.storeManifest(m); serr != nil {
		err = errors.Join(err, serr)
	}
	return err
}

// Undo puts back every file the manifest records, under the root's lock:
// files that existed get their old bytes, mode and owner back; files the
// engine created are removed, then the directories it created if they are
// empty, then the manifest. The actions of the files it touched then run
// through r (nil runs none).
//
// Undo first checks every file: one changed by someone else since the
// engine wrote it makes Undo fail with [ErrModified] before touching
// anything. Undo is itself crash-safe: it leaves the manifest until the
// end, and running it again finishes the job. With no manifest it returns
// [ErrNoManifest].
func (t *Target) Undo(ctx context.Context, r Runner) (*Report, error) {
	rep := &Report{}
	unlock, err := t.lock(ctx)
	if err != nil {
		return rep, err
	}
	defer unlock()
	_ = t.at("locked", "")
	if err := t.cleanStale(); err != nil {
		return rep, err
	}
	m, states, err := t.undoManifest()
	if err != nil {
		return rep, err
	}

	// Record the actions the restores trigger before restoring, so that a
	// crash cannot lose them.
	pending := slices.Clone(m.Pending)
	for i := range m.Files {
		if e := &m.Files[i]; e.restore(states[i]) {
			for _, a := range e.Actions {
				if !slices.Contains(pending, a) {
					pending = append(pending, a)
				}
			}
		}
	}
	if !slices.Equal(pending, m.Pending) {
		m.Pending = pending
		if err := t.storeManifest(m); err != nil {
			return rep, err
		}
	}
	for i := len(m.Files) - 1; i >= 0; i-- {
		e, st := &m.Files[i], states[i]
		var err error
		switch {
		case !e.restore(st):
			rep.Unchanged = append(rep.Unchanged, e.Path)
			continue
		case e.Existed:
			if err = t.write(e.Path, e.Old, e.Mode, e.UID, e.GID); err == nil {
				rep.Written = append(rep.Written, e.Path)
			}
		default:
			if err = t.remove(e.Path); err == nil {
				rep.Removed = append(rep.Removed, e.Path)
			}
		}
		if err != nil {
			ae := &ApplyError{Path: e.Path, Err: fmt.Errorf("undo: %w", err)}
			for j := range m.Files {
				if j > i {
					ae.Applied = append(ae.Applied, m.Files[j].Path)
				} else {
					ae.NotApplied = append(ae.NotApplied, m.Files[j].Path)
				}
			}
			return rep, ae
		}
	}
	rep.Removed = append(rep.Removed, t.removeDirs(m.Dirs)...)
	if err := t.runPending(ctx, r, m, rep, func() *masker { return newMasker(nil) }); err != nil {
		// The manifest keeps the failed actions; undo again retries them.
		if serr := t.storeManifest(m); serr != nil {
			err = errors.Join(err, serr)
		}
		return rep, err
	}
	if err := t.removeManifest(m); err != nil {
		return rep, err
	}
	rep.Manifest = t.manifest
	return rep, nil
}

// restore reports whether Undo has to write or remove the file whose
// current state is st.
func (e *manifestEntry) restore(st state) bool {
	if e.Existed {
		return !bytes.Equal(st.data, e.Old) || st.mode != e.Mode
	}
	return st.exists
}

// undoManifest loads the manifest and the state of each file it records,
// as Undo and ComputeUndo both need them; no manifest is [ErrNoManifest].
func (t *Target) undoManifest() (*manifest, []state, error) {
	m, err := t.loadManifest()
	if err != nil {
		return nil, nil, err
	}
	if m == nil {
		return nil, nil, ErrNoManifest
	}
	states, err := t.undoStates(m)
	if err != nil {
		return nil, nil, err
	}
	return m, states, nil
}

// undoStates reads the current state of every file in the manifest, and
// fails with every file changed by someone else since the engine wrote it.
func (t *Target) undoStates(m *manifest) ([]state, error) {
	states := make([]state, len(m.Files))
	var conflicts []error
	for i := range m.Files {
		e := &m.Files[i]
		st, err := t.read(e.Path)
		if err != nil {
			return nil, &FileError{Path: e.Path, Op: "undo", Err: err}
		}
		states[i] = st
		ok := st.exists && e.wrote(st.data) ||
			e.Existed && st.exists && bytes.Equal(st.data, e.Old) ||
			!e.Existed && !st.exists
		if !ok {
			conflicts = append(conflicts, &FileError{Path: e.Path, Op: "undo", Err: ErrModified})
		}
	}
	return states, errors.Join(conflicts...)
}

// ComputeUndo shows what [Target.Undo] would do, without doing it: one
// [Change] per file the manifest records, Old its current content, New the
// content Undo restores, or nil where Undo removes the file. Its
// [Changes.Diff] masks secrets (the manifest does not keep them: pass them
// here) and URL passwords. It fails as Undo would: [ErrNoManifest], or
// [ErrModified] for each file changed since it was applied. Apply refuses
// these Changes; run Undo.
func (t *Target) ComputeUndo(secrets ...string) (*Changes, error) {
	m, states, err := t.undoManifest()
	if err != nil {
		return nil, err
	}
	ch := &Changes{actions: cloneActions(m.Actions), secrets: slices.Clone(secrets)}
	ch.mask = sync.OnceValue(func() *masker { return newMasker(ch.secrets) })
	for i := range m.Files {
		e, st := &m.Files[i], states[i]
		c := Change{Path: e.Path, Real: e.Path, Mode: e.Mode, Actions: slices.Clone(e.Actions), uid: e.UID, gid: e.GID}
		if st.exists {
			c.Old = st.data
		}
		if e.Existed {
			c.New = e.Old
		} else {
			c.Mode = st.mode
		}
		ch.Files = append(ch.Files, c)
	}
	return ch, nil
}
