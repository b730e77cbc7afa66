package node

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// apply applies the computed changes and records what was done in r.
func (p *Program) apply(ctx context.Context, t *plan.Target, ch *plan.Changes, cfg *Config, r *Report) error {
	runner, reason := p.runner(cfg)
	rep, err := t.Apply(ctx, ch, runner)
	r.applied(rep, reason)
	r.recovered(rep.Recovered)
	for _, w := range rep.Warnings {
		r.Warnings = append(r.Warnings, Warning{Topic: "apply", Message: w})
	}
	if err != nil {
		r.Exit = ExitError
		r.Error = err.Error()
		return err
	}
	return nil
}

// undo restores what apply changed and records it in r. Files changed since
// apply are left (exit status 3), each named with the two ways forward.
func (p *Program) undo(ctx context.Context, t *plan.Target, cfg *Config, r *Report) error {
	runner, reason := p.runner(cfg)
	rep, err := t.Undo(ctx, runner, cfg.Force...)
	r.recovered(rep.Recovered)
	if errors.Is(err, plan.ErrNoManifest) {
		r.Notes = append(r.Notes, "nothing to undo: no apply has changed this root")
		return nil
	}
	for _, l := range []struct {
		status string
		paths  []string
	}{{"restored", rep.Written}, {"removed", rep.Removed}, {"kept", rep.Backups}, {"left", rep.Left}} {
		for _, f := range l.paths {
			r.Files = append(r.Files, FileReport{Path: f, Status: l.status})
		}
	}
	for _, w := range rep.Warnings {
		r.Warnings = append(r.Warnings, Warning{Topic: "undo", Message: w})
	}
	for _, f := range rep.Left {
		r.Warnings = append(r.Warnings, Warning{Topic: "/" + f, Message: fmt.Sprintf(
			"changed since apply, so undo left it as it is. To restore it anyway, run '%s -root %s undo -force /%s': "+
				"your version is kept beside it as /%s.proxykit-TIME. Or leave it: undo keeps its record, so a later undo -force can still restore it",
			p.Name, cfg.Root, f, f)})
	}
	r.actions(rep, reason, nil)
	if len(rep.Left) > 0 && (err == nil || onlyModified(err)) {
		r.Exit = ExitIncomplete
		return nil
	}
	if err != nil {
		r.Exit = ExitError
		r.Error = err.Error()
	}
	return err
}

// onlyModified reports whether err holds nothing but files left because
// they changed since apply.
func onlyModified(err error) bool {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if !errors.Is(e, plan.ErrModified) {
			return false
		}
	}
	return true
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
