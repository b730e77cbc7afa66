package node

import (
	"context"
	"errors"
	"slices"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// apply applies the computed changes and records what was done in r.
func (p *Program) apply(ctx context.Context, t *plan.Target, ch *plan.Changes, cfg *Config, r *Report) error {
	runner, reason := p.runner(cfg)
	rep, err := t.Apply(ctx, ch, runner)
	r.applied(rep, reason)
	r.recovered(rep.Recovered)
	if err != nil {
		r.Exit = ExitError
		r.Error = err.Error()
		return err
	}
	return nil
}

// undo restores what apply changed and records it in r.
func (p *Program) undo(ctx context.Context, t *plan.Target, cfg *Config, r *Report) error {
	runner, reason := p.runner(cfg)
	rep, err := t.Undo(ctx, runner)
	r.recovered(rep.Recovered)
	if errors.Is(err, plan.ErrNoManifest) {
		r.Notes = append(r.Notes, "nothing to undo: no apply has changed this root")
		return nil
	}
	for _, f := range rep.Written {
		r.Files = append(r.Files, FileReport{Path: f, Status: "restored"})
	}
	for _, f := range rep.Removed {
		r.Files = append(r.Files, FileReport{Path: f, Status: "removed"})
	}
	r.actions(rep, reason, nil)
	if err != nil {
		r.Exit = ExitError
		r.Error = err.Error()
	}
	return err
}

// applied turns the engine's report of an apply into the files' and
// actions' statuses.
func (r *Report) applied(rep *plan.Report, reason string) {
	if rep == nil {
		return
	}
	for i := range r.Files {
		f := &r.Files[i]
		switch {
		case slices.Contains(rep.Created, f.Path):
			f.Status = "created"
		case slices.Contains(rep.Written, f.Path):
			f.Status = "written"
		case f.Status == "create" || f.Status == "change":
			f.Status = "not written"
		}
	}
	pending := r.Actions
	r.Actions = nil
	r.actions(rep, reason, pending)
}

// actions records the outcome of every action the engine was asked to run.
func (r *Report) actions(rep *plan.Report, reason string, known []ActionReport) {
	argv := func(name string) []string {
		for _, a := range known {
			if a.Name == name {
				return a.Argv
			}
		}
		return nil
	}
	for _, l := range []struct {
		status string
		names  []string
	}{{"ran", rep.Ran}, {"skipped", rep.Skipped}, {"failed", rep.Failed}} {
		for _, n := range l.names {
			a := ActionReport{Name: n, Argv: argv(n), Status: l.status}
			if l.status == "skipped" {
				a.Reason = reason
			}
			if a.Argv == nil {
				a.Argv = []string{n}
			}
			r.Actions = append(r.Actions, a)
		}
	}
}

// recovered notes what a run did about an earlier one that was killed.
func (r *Report) recovered(rec *plan.Recovery) {
	if rec != nil && r.Recovered == "" {
		r.Recovered = rec.String()
	}
}
