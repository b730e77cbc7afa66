package plan

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"slices"
	"sync"
)

// A Runner runs follow-up actions. Apply and Undo call Run once per action,
// in plan order, after every file is written.
type Runner interface {
	// Run runs a. It returns [ErrSkipped] when it chose not to, and an
	// [*ActionError] (or any error) when the action failed.
	Run(ctx context.Context, a Action) error
}

// Exec runs actions as commands on the host: Argv[0] looked up in PATH,
// stdin empty, combined output kept (bounded) in the [*ActionError] of a
// failure. Its zero value is ready to use.
//
// Exec runs commands on the host whatever the target's root: a caller that
// applies to a root other than "/" should choose [NoActions] or a Runner
// that enters the root.
type Exec struct {
	// Env, when not nil, is the commands' environment; nil inherits the
	// process's.
	Env []string
}

// maxOutput bounds the output an ActionError keeps.
const maxOutput = 4 << 10

// Run runs a.Argv and waits for it.
func (e Exec) Run(ctx context.Context, a Action) error {
	if len(a.Argv) == 0 {
		return &ActionError{Action: a, Err: errors.New("no command")}
	}
	cmd := exec.CommandContext(ctx, a.Argv[0], a.Argv[1:]...)
	cmd.Env = e.Env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		b := out.Bytes()
		if len(b) > maxOutput {
			b = b[len(b)-maxOutput:]
		}
		return &ActionError{Action: a, Output: bytes.Clone(b), Err: err}
	}
	return nil
}

// NoActions is a Runner that runs nothing: every action is reported as
// skipped. It backs a program's -no-actions flag.
var NoActions Runner = noActions{}

type noActions struct{}

func (noActions) Run(context.Context, Action) error { return ErrSkipped }

// A Recorder is a Runner for tests: it records the actions it is asked to
// run and fails those named in Fail. It is safe for concurrent use.
type Recorder struct {
	// Fail maps action names to the error Run returns for them.
	Fail map[string]error

	mu  sync.Mutex
	ran []Action
}

// Run records a and returns Fail[a.Name].
func (r *Recorder) Run(_ context.Context, a Action) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ran = append(r.ran, Action{Name: a.Name, Argv: slices.Clone(a.Argv)})
	if err := r.Fail[a.Name]; err != nil {
		return &ActionError{Action: a, Err: err}
	}
	return nil
}

// Ran returns the names of the actions run so far, in order.
func (r *Recorder) Ran() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	for _, a := range r.ran {
		names = append(names, a.Name)
	}
	return names
}

// Reset forgets the actions run so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ran = nil
}
