package plan

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/proxykit/proxykit/internal/edit"
	"github.com/proxykit/proxykit/internal/quote"
)

// Edit computes a file's new content from its current content. old is nil
// when the file does not exist (an existing empty file is a non-nil, empty
// slice).
//
// An Edit is pure and deterministic, idempotent (e(e(x)) equals e(x) byte for
// byte), keeps what it does not own, and returns an error and no bytes on
// input it cannot understand. The engine checks idempotence on every compute
// and refuses an edit that is not.
//
// An Edit returning nil for a file that does not exist leaves it absent. The
// engine never deletes a file: nil for an existing file means empty content.
// The engine passes each Edit its own copy of old.
//
// It is the module's one edit type (an alias, declared once in the module's
// internal/edit): the edits of proxyenv, truststore and jvmflags, and any
// func with this signature, are Edits without conversion.
type Edit = edit.Edit

// A Step is one edit to one file.
type Step struct {
	// Path names the file relative to the root, in slash form:
	// "etc/environment". A leading slash is allowed and ignored
	// ("/etc/environment" names the same file). Empty, "." and ".."
	// elements are refused, as is the engine's own state directory.
	// Symbolic links along the path are followed as if the root were "/"
	// (see [Target]).
	Path string

	// Edit computes the new content.
	Edit Edit

	// Mode is the permission of the file when the step creates it. Zero
	// means 0600 when Secret is set and 0644 otherwise. An existing file
	// keeps its mode and owner.
	Mode fs.FileMode

	// Secret marks a file that holds a credential: created 0600 unless Mode
	// says otherwise, and flagged in the diff when an existing copy is
	// readable by others.
	Secret bool

	// Why says in a few words why the file changes, for the diff and for
	// a program's report ([Change.Why]): "proxy for login shells".
	Why string

	// Actions names the entries of [Plan.Actions] to run when this step
	// changes the file.
	Actions []string
}

// An Action is a follow-up command, run through a [Runner] after the files
// it depends on changed.
type Action struct {
	// Name identifies the action within a plan: "daemon-reload".
	Name string `json:"name"`
	// Argv is the command and its arguments:
	// {"systemctl", "daemon-reload"}. It must not hold a secret.
	Argv []string `json:"argv"`
}

func (a Action) String() string { return a.Name }

// A Plan is a list of file edits under one root, the follow-up actions they
// trigger, and the secrets the diff must never show.
//
// Steps run in order; several steps on one file (or on files that are one
// through symbolic links) compose in order. Actions run in the order listed
// here, each at most once, whatever the order of the steps that trigger them.
//
// The zero Plan is empty and ready to use.
type Plan struct {
	Steps   []Step
	Actions []Action
	// Secrets are the values (passwords, keystore passwords) the diff masks,
	// in every encoding an edit may have used.
	Secrets []string
}

// Add appends steps to the plan.
func (p *Plan) Add(steps ...Step) { p.Steps = append(p.Steps, steps...) }

// AddAction appends follow-up actions to the plan.
func (p *Plan) AddAction(actions ...Action) { p.Actions = append(p.Actions, actions...) }

// AddSecret registers values that the diff must mask. Empty values are
// ignored.
func (p *Plan) AddSecret(secrets ...string) { p.Secrets = append(p.Secrets, secrets...) }

// check validates the plan's shape, independent of any root.
func (p *Plan) check() error {
	names := make(map[string]bool, len(p.Actions))
	for i, a := range p.Actions {
		if a.Name == "" || len(a.Argv) == 0 || a.Argv[0] == "" {
			return fmt.Errorf("action %d (%q): %w: needs a name and a command", i, a.Name, ErrInvalidPlan)
		}
		if names[a.Name] {
			return fmt.Errorf("action %q: %w: listed twice", a.Name, ErrInvalidPlan)
		}
		names[a.Name] = true
	}
	for i, s := range p.Steps {
		if _, err := cleanPath(s.Path); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
		if s.Edit == nil {
			return &FileError{Path: s.Path, Op: "plan", Err: fmt.Errorf("%w: no edit", ErrInvalidPlan)}
		}
		if s.Mode&^fs.ModePerm != 0 {
			return &FileError{Path: s.Path, Op: "plan", Err: fmt.Errorf("%w: mode %v has more than permission bits", ErrInvalidPlan, s.Mode)}
		}
		for _, n := range s.Actions {
			if !names[n] {
				return &FileError{Path: s.Path, Op: "plan", Err: fmt.Errorf("%w: unknown action %q", ErrInvalidPlan, n)}
			}
		}
	}
	return nil
}

// cleanPath turns a step's path into the engine's form: relative, slash
// separated, no empty, "." or ".." elements.
func cleanPath(p string) (string, error) {
	q := strings.TrimPrefix(p, "/")
	if q == "" || q == "." || !fs.ValidPath(q) || strings.Contains(q, "\\") {
		return "", &FileError{Path: quote.Bounded(p), Op: "plan", Err: ErrBadPath}
	}
	return q, nil
}
