package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/internal/quote"
)

// journalName is the journal's file name, beside the manifest.
const journalName = "journal.json"

// A journal is the record of a run in progress (an Apply or an Undo),
// written under the manifest's directory before the run writes any file
// and removed once the run is committed. It names every temporary file the
// run may create, before creating it, and holds each file's state from
// before the run, so that the next run can put back what a killed one left
// half done.
//
// A run commits when it stores the manifest with its run number: a killed
// run that had committed is finished (its temporary files removed); one
// that had not is rolled back, every file put back as it was before the
// run, so that a run interrupted at any point changed either nothing or
// everything. (Rolling back rather than forward means the journal needs no
// copy of the new content, which may hold a new secret, and the next run
// starts from a state someone chose: the one before the killed run.)
type journal struct {
	Version int `json:"version"`
	// Run is the number the manifest records once this run commits.
	Run int `json:"run"`
	// Op is "apply" or "undo".
	Op    string        `json:"op"`
	Files []journalFile `json:"files"`
	// Dirs are the directories the run may create, outermost first; a
	// rollback removes those that are empty.
	Dirs []string `json:"dirs,omitempty"`
	// Backups are files the run may create beside others (undo -force); a
	// rollback removes them.
	Backups []string `json:"backups,omitempty"`
	// Temps are every temporary file the run may create, recorded before
	// it creates any of them.
	Temps []string `json:"temps"`
	// Own are the directories created to hold the journal (and then the
	// manifest): a rollback without a manifest removes them.
	Own []string `json:"own,omitempty"`
}

// journalFile is a file's state before the run.
type journalFile struct {
	Path    string      `json:"path"`
	Existed bool        `json:"existed"`
	Old     []byte      `json:"old,omitempty"`
	Mode    fs.FileMode `json:"mode,omitempty"`
	UID     int         `json:"uid"`
	GID     int         `json:"gid"`
	MTime   time.Time   `json:"mtime,omitzero"`
}

func fileBefore(real string, st state) journalFile {
	f := journalFile{Path: real, Existed: st.exists, UID: -1, GID: -1}
	if st.exists {
		f.Old, f.Mode, f.UID, f.GID, f.MTime = st.data, st.mode, st.uid, st.gid, st.mtime
	}
	return f
}

// journalPath is the journal's root-relative path (unresolved).
func (t *Target) journalPath() string {
	return path.Join(path.Dir(t.manifest), journalName)
}

// addTemps records the temporary names of files and backups, and those of
// the state directory's files.
func (j *journal) addTemps(t *Target, stateDir string) {
	add := func(p string) {
		if tmp := tempName(p); !slices.Contains(j.Temps, tmp) {
			j.Temps = append(j.Temps, tmp)
		}
	}
	for _, f := range j.Files {
		add(f.Path)
	}
	for _, b := range j.Backups {
		add(b)
	}
	add(path.Join(stateDir, path.Base(t.manifest)))
	add(path.Join(stateDir, journalName))
}

// storeJournal writes j (0600 in the manifest's 0700 directory, creating
// it as storeManifest does) before the run touches any file.
func (t *Target) storeJournal(j *journal) error {
	r, err := t.resolve(t.journalPath())
	if err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	j.addTemps(t, path.Dir(r.real))
	if err := t.storeState(r, func(own []string) ([]byte, error) {
		if own != nil {
			j.Own = own
		}
		return marshalState(j)
	}); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	_ = t.at("journal-written", r.real)
	return nil
}

func (t *Target) loadJournal() (*journal, error) {
	r, err := t.resolve(t.journalPath())
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	st, err := t.read(r.real)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	if !st.exists {
		return nil, nil
	}
	var j journal
	dec := json.NewDecoder(bytes.NewReader(st.data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, errors.New("read journal: invalid journal") // never quote it: it holds old files' bytes
	}
	if j.Version != manifestVersion {
		return nil, fmt.Errorf("read journal: unknown version %d", j.Version)
	}
	var paths []string
	for _, f := range j.Files {
		paths = append(paths, f.Path)
	}
	for _, l := range [][]string{paths, j.Dirs, j.Backups, j.Temps, j.Own} {
		for _, p := range l {
			if _, err := cleanPath(p); err != nil || strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("read journal: %q: %w", quote.Bounded(p), ErrBadPath)
			}
		}
	}
	for _, tmp := range j.Temps {
		if !strings.HasSuffix(tmp, tempSuffix) {
			return nil, fmt.Errorf("read journal: %q is not a temporary name: %w", quote.Bounded(tmp), ErrBadPath)
		}
	}
	return &j, nil
}

// removeJournal ends a run: the journal goes and, when there is no
// manifest, the directories created for it.
func (t *Target) removeJournal(j *journal, haveManifest bool) error {
	r, err := t.resolve(t.journalPath())
	if err != nil {
		return fmt.Errorf("remove journal: %w", err)
	}
	own := j.Own
	if haveManifest {
		own = nil
	}
	if err := t.removeState(r.real, own); err != nil {
		return fmt.Errorf("remove journal: %w", err)
	}
	_ = t.at("journal-removed", r.real)
	return nil
}

// A Recovery says what a run found of an earlier run that was killed (or
// that failed and could not put everything back), and what it did about
// it.
type Recovery struct {
	// Op is the interrupted run: "apply" or "undo"; empty when there was
	// no journal, only temporary files (left by an engine without one).
	Op string
	// Committed is set when the interrupted run had committed: it was
	// finished. Otherwise it was rolled back.
	Committed bool
	// RolledBack lists the files put back as they were before the
	// interrupted run (or removed, where it had created them).
	RolledBack []string
	// Removed lists the temporary files, backups and directories removed.
	Removed []string
}

// String says in one sentence what was recovered.
func (r *Recovery) String() string {
	if r == nil {
		return ""
	}
	switch {
	case r.Op == "":
		return "removed the temporary files an interrupted run left: " + strings.Join(r.Removed, ", ")
	case r.Committed:
		s := fmt.Sprintf("an interrupted %s had committed: it is complete", r.Op)
		if len(r.Removed) > 0 {
			s += "; removed its temporary files " + strings.Join(r.Removed, ", ")
		}
		return s
	}
	s := fmt.Sprintf("an interrupted %s was rolled back: put back %s", r.Op, listOrNone(r.RolledBack))
	if len(r.Removed) > 0 {
		s += "; removed " + strings.Join(r.Removed, ", ")
	}
	return s
}

// recover finishes or rolls back what a killed run left, under the lock:
// see [journal]. It also removes the temporary files of the manifest's
// files that an engine without a journal may have left. It returns nil
// when there was nothing to do.
func (t *Target) recover() (*Recovery, error) {
	if err := t.cleanStale(); err != nil {
		return nil, err
	}
	j, err := t.loadJournal()
	if err != nil {
		return nil, err
	}
	m, err := t.loadManifest()
	if err != nil {
		return nil, err
	}
	var rec *Recovery
	if j != nil {
		rec = &Recovery{Op: j.Op, Committed: m != nil && m.Runs >= j.Run}
		if !rec.Committed {
			if err := t.rollback(j, rec); err != nil {
				return rec, err
			}
		}
		if err := t.removeTemps(j.Temps, rec); err != nil {
			return rec, err
		}
		if err := t.removeJournal(j, m != nil); err != nil {
			return rec, err
		}
	}
	// A run killed while it wrote its journal left the journal's temporary
	// file, which no journal names.
	var temps []string
	if r, err := t.resolve(t.journalPath()); err == nil && len(r.missing) == 0 {
		temps = append(temps, tempName(r.real))
	}
	if m != nil {
		for _, e := range m.Files {
			temps = append(temps, tempName(e.Path))
		}
	}
	r := &Recovery{}
	if err := t.removeTemps(temps, r); err != nil {
		return rec, err
	}
	if len(r.Removed) > 0 {
		if rec == nil {
			rec = &Recovery{Committed: true} // no journal: killed writing it, or an engine without one
		}
		rec.Removed = append(rec.Removed, r.Removed...)
	}
	return rec, nil
}

// rollback puts every file of j back as it was before the run, removes
// the backups and the directories the run created, and the temporary
// files. It goes on past a file it cannot put back, and fails with all of
// them at the end: the journal stays, and the next run tries again.
func (t *Target) rollback(j *journal, rec *Recovery) error {
	var errs []error
	var put []string
	for _, f := range slices.Backward(j.Files) {
		ok, err := t.putBack(f)
		if err != nil {
			errs = append(errs, &FileError{Path: f.Path, Op: "roll back", Err: err})
			continue
		}
		if ok {
			put = append(put, f.Path)
		}
	}
	slices.Reverse(put)
	rec.RolledBack = append(rec.RolledBack, put...)
	for _, b := range j.Backups {
		if _, err := t.root.Lstat(b); err == nil {
			if err := t.remove(b); err != nil {
				errs = append(errs, &FileError{Path: b, Op: "roll back", Err: err})
				continue
			}
			rec.Removed = append(rec.Removed, b)
		}
	}
	if err := t.removeTemps(j.Temps, rec); err != nil {
		errs = append(errs, err)
	}
	rec.Removed = append(rec.Removed, t.removeDirs(j.Dirs)...)
	return errors.Join(errs...)
}

// putBack restores one file as the journal recorded it before the run; it
// reports whether it had to.
func (t *Target) putBack(f journalFile) (bool, error) {
	st, err := t.read(f.Path)
	if err != nil {
		return false, err
	}
	if !f.Existed {
		if !st.exists {
			return false, nil
		}
		return true, t.remove(f.Path)
	}
	if st.exists && bytes.Equal(st.data, f.Old) && st.mode == f.Mode {
		return false, nil
	}
	if err := t.mkdirParents(f.Path); err != nil {
		return false, err
	}
	if err := t.write(f.Path, f.Old, f.Mode, f.UID, f.GID); err != nil {
		return false, err
	}
	return true, t.setMTime(f.Path, f.MTime)
}

// removeTemps removes the temporary files among temps that exist.
func (t *Target) removeTemps(temps []string, rec *Recovery) error {
	var errs []error
	for _, tmp := range temps {
		// The engine's temporary files are files (or links planted in
		// their place); a directory by that name is not its own.
		if fi, err := t.root.Lstat(tmp); err != nil || fi.IsDir() {
			continue
		}
		if err := t.root.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove temporary file %s: %w", tmp, unwrapPathError(err)))
			continue
		}
		rec.Removed = append(rec.Removed, tmp)
	}
	return errors.Join(errs...)
}

// Recover finishes or rolls back what a killed Apply or Undo left under the
// root (see [Recovery]), under the root's lock, and removes the temporary
// files it left. Apply, Undo and Verify recover first by themselves; call
// Recover before [Target.Compute] so that the plan is computed from what
// the root holds once recovered (Apply refuses Changes computed from a
// half-done state: [ErrStale]). It returns nil when there was nothing to
// do.
func (t *Target) Recover(ctx context.Context) (*Recovery, error) {
	unlock, err := t.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return t.recover()
}
