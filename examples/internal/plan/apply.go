package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
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

	// Left lists the files Undo left because someone changed them since
	// apply (the manifest keeps them: undo with force restores them).
	Left []string
	// Backups lists the copies Undo kept of files it restored by force.
	Backups []string
	// Warnings say what could not be kept or restored exactly: hard links
	// split by apply's rename.
	Warnings []string
	// Recovered says what the run did about an earlier run that was
	// killed; nil when there was none.
	Recovered *Recovery
}

// String lists the report one item a line: "wrote etc/environment".
func (r *Report) String() string {
	var b strings.Builder
	if r.Recovered != nil {
		fmt.Fprintf(&b, "recovered: %s\n", r.Recovered)
	}
	for _, l := range []struct {
		verb  string
		items []string
	}{
		{"created directory", r.Dirs},
		{"created", r.Created},
		{"wrote", r.Written},
		{"removed", r.Removed},
		{"kept", r.Backups},
		{"left", r.Left},
		{"unchanged", r.Unchanged},
		{"ran", r.Ran},
		{"skipped", r.Skipped},
		{"failed", r.Failed},
		{"warning:", r.Warnings},
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
// Apply first finishes or rolls back what a killed run left (see
// [Report.Recovered]). It then checks under the lock that every file is
// still as Compute read it ([ErrStale] otherwise), records each file's
// state in a journal, and replaces each file atomically. A run is all or
// nothing: when a file cannot be written, the files already written are
// put back and an [*ApplyError] says what failed and that nothing changed;
// a run killed at any point is rolled back by the next. Once every file is
// in place the manifest records the run (its commit), then the actions
// run. Changes that change nothing write nothing, not even the manifest,
// and run no action.
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
	if rep.Recovered, err = t.recover(); err != nil {
		return rep, err
	}

	var todo []*Change
	fresh := map[string][]string{}
	states := map[string]state{}
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
			states[c.Real] = st
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
	had := m != nil
	if m == nil {
		m = &manifest{Version: manifestVersion}
	}

	// The journal: each file's state before the run, the directories and
	// temporary files the run may create.
	j := &journal{Version: manifestVersion, Run: m.Runs + 1, Op: "apply"}
	for _, c := range todo {
		j.Files = append(j.Files, fileBefore(c.Real, states[c.Real]))
		for _, d := range fresh[c.Real] {
			if !slices.Contains(j.Dirs, d) {
				j.Dirs = append(j.Dirs, d)
			}
		}
	}
	if err := t.storeJournal(j); err != nil {
		return rep, fmt.Errorf("%w; nothing changed", err)
	}
	rep.Manifest = t.manifest

	for _, c := range todo {
		if err := t.applyOne(c, fresh[c.Real], rep); err != nil {
			return t.abort(rep, j, had, &ApplyError{Op: "apply", Path: c.Path, Err: err})
		}
	}
	_ = t.at("files-written", "")

	// Commit: the manifest records the files' states from before the
	// first apply, what this one wrote, and the pending actions.
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
			st := states[c.Real]
			m.Files = append(m.Files, manifestEntry{
				Path: c.Real, Existed: c.Old != nil, Old: c.Old,
				Mode: c.Mode, UID: c.uid, GID: c.gid,
				MTime: st.mtime, Links: st.nlink,
			})
			e = &m.Files[len(m.Files)-1]
		}
		d := digest(c.New)
		if !slices.Contains(e.Wrote, d) {
			e.Wrote = append(e.Wrote, d)
		}
		e.Now = d
		if len(c.Why) > 0 {
			e.Why = slices.Clone(c.Why)
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
	for _, d := range j.Own {
		if !slices.Contains(m.Own, d) {
			m.Own = append(m.Own, d)
		}
	}
	m.Runs = j.Run
	if err := t.storeManifest(m); err != nil {
		return t.abort(rep, j, had, &ApplyError{Op: "apply", Path: t.manifest, Err: err})
	}
	if err := t.removeJournal(j, true); err != nil {
		return rep, err // committed: the next run removes it
	}
	for _, c := range todo {
		if n := states[c.Real].nlink; n > 1 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"%s had %d hard links: apply replaced this name with a new file, and its other names keep the old content", c.Real, n))
		}
	}
	return rep, t.runAndRecord(ctx, r, m, rep, ch.mask)
}

// abort puts back what the run j wrote before failing with ae, and says
// so in ae. When the rollback itself fails, the journal stays for the next
// run to finish it.
func (t *Target) abort(rep *Report, j *journal, haveManifest bool, ae *ApplyError) (*Report, error) {
	rec := &Recovery{Op: j.Op}
	err := t.rollback(j, rec)
	if err == nil {
		err = t.removeJournal(j, haveManifest)
	}
	ae.RolledBack, ae.Rollback = rec.RolledBack, err
	done := map[string]bool{}
	for _, p := range rec.RolledBack {
		done[p] = true
	}
	keep := func(l []string) []string {
		return slices.DeleteFunc(l, func(p string) bool { return done[p] || done[t.realOf(p)] })
	}
	rep.Written, rep.Created, rep.Removed = keep(rep.Written), keep(rep.Created), keep(rep.Removed)
	rep.Dirs = slices.DeleteFunc(rep.Dirs, func(d string) bool { return slices.Contains(rec.Removed, d) })
	rep.Backups = slices.DeleteFunc(rep.Backups, func(d string) bool { return slices.Contains(rec.Removed, d) })
	if !haveManifest && err == nil {
		rep.Manifest = ""
	}
	return rep, ae
}

// realOf is where p leads, or p when it cannot be resolved.
func (t *Target) realOf(p string) string {
	if r, err := t.resolve(p); err == nil {
		return r.real
	}
	return p
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

// Undo puts back every file the manifest records that it can, under the
// root's lock: files that existed get their old bytes, mode, owner and
// modification time back; files the engine created are removed, then the
// directories it created if they are empty. The actions of the files it
// touched then run through r (nil runs none), and the manifest goes once
// every file is back.
//
// A file someone changed since the engine wrote it is left as it is, and
// stays in the manifest: Undo restores the others and fails with a
// [*FileError] wrapping [ErrModified] for each one left (listed in
// [Report.Left]). Naming such a file in force (as a root-relative path)
// restores it anyway and keeps the current content beside it, in
// PATH.proxykit-TIME ([Report.Backups]; the time from [WithClock]).
//
// Undo first finishes or rolls back what a killed run left; it keeps a
// journal itself, so a failed or killed Undo changes nothing and running it
// again does the job. A file that had several hard links before the first
// apply is restored under its own name only: the report warns about it.
// With no manifest it returns [ErrNoManifest].
func (t *Target) Undo(ctx context.Context, r Runner, force ...string) (*Report, error) {
	rep := &Report{}
	unlock, err := t.lock(ctx)
	if err != nil {
		return rep, err
	}
	defer unlock()
	_ = t.at("locked", "")
	if rep.Recovered, err = t.recover(); err != nil {
		return rep, err
	}
	m, states, err := t.undoManifest()
	if err != nil {
		return rep, err
	}
	forced := map[string]bool{}
	for _, f := range force {
		p, err := cleanPath(f)
		if err != nil {
			return rep, err
		}
		if r, err := t.resolve(p); err == nil {
			p = r.real // the manifest records where links lead
		}
		if m.entry(p) == nil {
			// A typo, or a file an earlier (interrupted) undo -force
			// restored already: running the same command again converges.
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: apply did not change it, or it is restored already: nothing to force", p))
			continue
		}
		forced[p] = true
	}

	// Sort the files: restore, back up and restore, leave, or drop (they
	// already are as before).
	var (
		todo    []int
		backups = map[int]string{}
		left    []manifestEntry
		leftErr []error
	)
	stamp := t.clock().UTC().Format("20060102T150405Z")
	j := &journal{Version: manifestVersion, Run: m.Runs + 1, Op: "undo"}
	for i := range m.Files {
		e, st := &m.Files[i], states[i]
		if !e.restore(st) {
			rep.Unchanged = append(rep.Unchanged, e.Path)
			continue
		}
		if !e.ours(st) {
			if !forced[e.Path] {
				left = append(left, *e)
				rep.Left = append(rep.Left, e.Path)
				leftErr = append(leftErr, &FileError{Path: e.Path, Op: "undo", Err: ErrModified})
				continue
			}
			if st.exists {
				backups[i] = t.freeName(e.Path + ".proxykit-" + stamp)
				j.Backups = append(j.Backups, backups[i])
			}
		}
		todo = append(todo, i)
		j.Files = append(j.Files, fileBefore(e.Path, st))
	}

	if len(todo) > 0 {
		if err := t.storeJournal(j); err != nil {
			return rep, fmt.Errorf("%w; nothing changed", err)
		}
		for _, i := range slices.Backward(todo) {
			e, st := &m.Files[i], states[i]
			if err := t.undoOne(e, st, backups[i], rep); err != nil {
				return t.abort(rep, j, true, &ApplyError{Op: "undo", Path: e.Path, Err: err})
			}
		}
	}
	// Commit: the manifest keeps the files left and the actions to run.
	pending := slices.Clone(m.Pending)
	for _, i := range todo {
		for _, a := range m.Files[i].Actions {
			if !slices.Contains(pending, a) {
				pending = append(pending, a)
			}
		}
	}
	m.Pending = pending
	m.Files = left
	if len(todo) > 0 {
		removed := t.removeDirs(m.Dirs)
		rep.Removed = append(rep.Removed, removed...)
		m.Dirs = slices.DeleteFunc(m.Dirs, func(d string) bool { return slices.Contains(removed, d) })
		m.Runs = j.Run
		if err := t.storeManifest(m); err != nil {
			return t.abort(rep, j, true, &ApplyError{Op: "undo", Path: t.manifest, Err: err})
		}
		if err := t.removeJournal(j, true); err != nil {
			return rep, err // committed: the next run removes it
		}
	}
	if err := t.runPending(ctx, r, m, rep, func() *masker { return newMasker(nil) }); err != nil {
		// The manifest keeps the failed actions; undo again retries them.
		if serr := t.storeManifest(m); serr != nil {
			err = errors.Join(err, serr)
		}
		return rep, errors.Join(append(leftErr, err)...)
	}
	if len(m.Files) > 0 {
		if err := t.storeManifest(m); err != nil {
			return rep, err
		}
		return rep, errors.Join(leftErr...)
	}
	if err := t.removeManifest(m); err != nil {
		return rep, err
	}
	rep.Manifest = t.manifest
	return rep, nil
}

// undoOne restores one file, first keeping its current content in backup
// when that is set.
func (t *Target) undoOne(e *manifestEntry, st state, backup string, rep *Report) error {
	if backup != "" {
		if err := t.write(backup, st.data, st.mode, st.uid, st.gid); err != nil {
			return fmt.Errorf("keep %s: %w", backup, err)
		}
		if err := t.setMTime(backup, st.mtime); err != nil {
			return err
		}
		rep.Backups = append(rep.Backups, backup)
	}
	if !e.Existed {
		if err := t.remove(e.Path); err != nil {
			return err
		}
		rep.Removed = append(rep.Removed, e.Path)
		return nil
	}
	if err := t.mkdirParents(e.Path); err != nil {
		return err
	}
	if err := t.write(e.Path, e.Old, e.Mode, e.UID, e.GID); err != nil {
		return err
	}
	if err := t.setMTime(e.Path, e.MTime); err != nil {
		return err
	}
	rep.Written = append(rep.Written, e.Path)
	if e.Links > 1 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"%s had %d hard links before apply, which split them: it is restored under this name only, and its other names are separate files", e.Path, e.Links))
	}
	return nil
}

// freeName returns p, or p with "-2", "-3"… appended, whichever names
// nothing yet: a backup never replaces another.
func (t *Target) freeName(p string) string {
	name := p
	for n := 2; ; n++ {
		if _, err := t.root.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", p, n)
	}
}

// ours reports whether the file's current state is one the engine wrote or
// the one it found: anything else is someone else's change.
func (e *manifestEntry) ours(st state) bool {
	return st.exists && e.wrote(st.data) ||
		e.Existed && st.exists && bytes.Equal(st.data, e.Old) ||
		!e.Existed && !st.exists
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

// undoStates reads the current state of every file in the manifest.
func (t *Target) undoStates(m *manifest) ([]state, error) {
	states := make([]state, len(m.Files))
	for i := range m.Files {
		e := &m.Files[i]
		st, err := t.read(e.Path)
		if err != nil {
			return nil, &FileError{Path: e.Path, Op: "undo", Err: err}
		}
		states[i] = st
	}
	return states, nil
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
	var conflicts []error
	for i := range m.Files {
		if !m.Files[i].ours(states[i]) {
			conflicts = append(conflicts, &FileError{Path: m.Files[i].Path, Op: "undo", Err: ErrModified})
		}
	}
	if len(conflicts) > 0 {
		return nil, errors.Join(conflicts...)
	}
	ch := &Changes{actions: cloneActions(m.Actions), secrets: slices.Clone(secrets)}
	ch.mask = sync.OnceValue(ch.newMasker)
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
