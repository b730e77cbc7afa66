package plan

import (
	"context"
	"fmt"
	"slices"
)

// A Verification is what [Target.Verify] found: each file the manifest
// records, checked against what the last apply left in it.
type Verification struct {
	// Files lists every file checked, as the manifest records it.
	Files []string
	// Drift lists the files that are not as the last apply left them.
	Drift []Drift
	// Pending names the actions that have not run (or failed) since the
	// files they follow changed.
	Pending []string
	// Recovered says what Verify did about an earlier run that was killed;
	// nil when there was none.
	Recovered *Recovery
}

// A Drift is a file that is not as the last apply left it.
type Drift struct {
	Path string `json:"path"`
	// Problem says how: "changed" (its content is not what apply wrote),
	// "missing" (apply wrote it and it is gone), "restored" (it holds its
	// content from before the first apply again).
	Problem string `json:"problem"`
	// Why is what the file is for, as the last apply recorded it
	// ([Change.Why]): "proxy for the Docker daemon".
	Why []string `json:"why,omitempty"`
}

func (d Drift) String() string { return d.Path + ": " + d.Problem }

// Verify compares every file the manifest records with the hash of what
// the last apply left in it: it needs neither the plan nor its secrets. It
// first finishes or rolls back what a killed run left, under the root's
// lock (the only writing it does). With no manifest it returns
// [ErrNoManifest].
func (t *Target) Verify(ctx context.Context) (*Verification, error) {
	unlock, err := t.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	v := &Verification{}
	if v.Recovered, err = t.recover(); err != nil {
		return v, err
	}
	m, states, err := t.undoManifest()
	if err != nil {
		return v, err
	}
	for i := range m.Files {
		e, st := &m.Files[i], states[i]
		v.Files = append(v.Files, e.Path)
		want := e.Now
		if want == "" && len(e.Wrote) > 0 { // a manifest from before Now was recorded
			want = e.Wrote[len(e.Wrote)-1]
		}
		problem := ""
		switch {
		case !st.exists:
			problem = "missing"
		case digest(st.data) == want:
			continue
		case e.Existed && string(st.data) == string(e.Old):
			problem = "restored"
		default:
			problem = "changed"
		}
		v.Drift = append(v.Drift, Drift{Path: e.Path, Problem: problem, Why: slices.Clone(e.Why)})
	}
	v.Pending = append(v.Pending, m.Pending...)
	return v, nil
}

// String lists the drift one file a line, or says there is none.
func (v *Verification) String() string {
	if len(v.Drift) == 0 {
		return fmt.Sprintf("no drift: all %d files are as the last apply left them\n", len(v.Files))
	}
	s := ""
	for _, d := range v.Drift {
		s += "drift: " + d.String() + "\n"
	}
	return s
}

// Interrupted reports which run ("apply" or "undo") was killed before it
// finished under the root, by its journal; "" when none was. Reading only,
// it suits a plan: the next Apply, Undo, Verify or Recover deals with it.
func (t *Target) Interrupted() string {
	j, err := t.loadJournal()
	if err != nil || j == nil {
		return ""
	}
	return j.Op
}
