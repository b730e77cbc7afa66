package node

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/probe"
)

// maxReplans bounds how often apply plans again after waiting for another
// run that changed the files.
const maxReplans = 3

// Exit statuses of every example program (dcos-node, docker-host and its
// dockerfile subcommand, noproxy), as each one's -h says.
const (
	// ExitOK: nothing to do, or done.
	ExitOK = 0
	// ExitError: an error, usage errors included; nothing was changed, or
	// the message says what was.
	ExitError = 1
	// ExitPending: plan found changes pending, or verify found drift or a
	// probe that failed.
	ExitPending = 2
	// ExitIncomplete: done (apply) or planned (plan), but something was
	// left, each named: trust stores that could not be changed ([Left]),
	// or (undo) files changed since apply.
	ExitIncomplete = 3
)

// ExitStatuses is the usage text's paragraph on exit statuses, the same in
// every program.
const ExitStatuses = `exit status: 0 nothing to do or done (stores left out with -skip are said
once); 1 error (usage errors too), nothing changed; 2 changes pending (plan),
or drift, a store left or a probe not ok (verify); 3 incomplete: the rest is
done (apply) or planned (plan), but trust stores were left (wrong -storepass,
a format not edited, not valid PEM, read-only), each named on stderr and
under "left" with -json (undo: files changed since apply were left)`

// The subcommands.
const (
	CmdPlan   = "plan"   // show what apply would change; the default
	CmdApply  = "apply"  // change the node
	CmdUndo   = "undo"   // restore what apply changed
	CmdVerify = "verify" // report what drifted from the settings, writing nothing
)

// A Program is an example program built on the shared command line: the
// common flags, the subcommands plan, apply, undo and verify, exit codes,
// text and JSON output. A program supplies its name, its usage text, its own
// flags and the function that plans the node.
type Program struct {
	// Name is the program's name, the prefix of its messages: "dcos-node".
	Name string
	// Source is the program's package as go run names it from the
	// module's root: "./examples/dcos-node". The demo and -sample show
	// commands in that form, which works before anything is installed.
	Source string
	// Synopsis is the usage text's first paragraph, after the usage line.
	Synopsis string
	// Example is a worked example shown by -h.
	Example string
	// Flags registers the program's own flags, besides the common ones.
	Flags func(fs *flag.FlagSet)
	// Build plans the node: reads it through n and adds steps, actions,
	// notes and warnings. It must not write.
	Build func(n *Node) error
	// Env is the process environment and file access, injected for tests.
	Env Env
	// Runner runs the follow-up actions, whatever the root. nil means
	// [plan.Exec] when the root is "/", and no actions (listed as skipped)
	// on any other root.
	Runner plan.Runner
	// Target options, e.g. a test hook; nil for none.
	TargetOptions []plan.Option
	// Inspect, when not nil, is called with the computed changes of plan,
	// verify and apply before anything is written: another front end (the
	// Ansible module) shows them in its own form. It must not keep them.
	Inspect func(*plan.Changes)
	// Consumers says where verify -probe looks for the node's consumer
	// configurations besides the default places: the program's Java
	// services and the PEM bundles it knows of.
	Consumers probe.Discovery
	// Sample, when not nil, writes the program's sample node into an empty
	// directory that exists: the -sample DIR flag, for trying plan, apply
	// and undo by hand.
	Sample func(dir string) error
	// SampleArgs are the flags a plan of the written sample needs besides
	// -root, with "{}" for the sample's directory:
	// "-proxy http://svc@proxy.example.com:3128 -ca {}/root/ca.pem".
	SampleArgs string

	// stderr is where RunReport reports waiting for another run.
	stderr io.Writer

	// warningsShown makes the text report refer to warnings already shown
	// instead of repeating them (the demo's later steps).
	warningsShown bool
}

// Run runs the program with the command-line arguments args (without the
// program name) and returns its exit code. Errors are printed to stderr as
// "NAME: error: …".
func (p *Program) Run(args []string, stdout, stderr io.Writer) int {
	code, _ := p.RunReport(args, stdout, stderr)
	return code
}

// RunReport is [Program.Run] that also returns the report it printed (nil
// when it failed before having one).
//
// Text goes to stdout (the report: the diff, the result) and stderr (notes,
// warnings and errors); with -json, stdout holds one JSON object whatever
// happens, a usage error included, with "error" and "exit" set on failure.
func (p *Program) RunReport(args []string, stdout, stderr io.Writer) (int, *Report) {
	cmd, opts, err := p.parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK, nil
	}
	asJSON := WantsJSON(args)
	if err != nil {
		return p.fail(stdout, stderr, asJSON, cmd, err), nil
	}
	if opts.Sample != "" {
		return p.writeSample(stdout, stderr, asJSON, opts.Sample), nil
	}
	cfg, err := opts.Config(p.Env, cmd != CmdUndo && cmd != CmdVerify)
	if err == nil {
		err = checkFormat(cmd, cfg)
	}
	if err == nil {
		err = checkProbe(cmd, cfg)
	}
	if err != nil {
		return p.fail(stdout, stderr, asJSON, cmd, err), nil
	}
	asJSON = cfg.JSON
	shown := cfg.Root
	if cfg.Root, err = filepath.Abs(cfg.Root); err != nil {
		return p.fail(stdout, stderr, asJSON, cmd, err), nil
	}
	p.stderr = stderr
	r, err := p.exec(context.Background(), cmd, cfg)
	// Another run held the lock and changed the files meanwhile: nothing
	// was written; plan again from what it left, a few times at most.
	for i := 0; i < maxReplans && cmd == CmdApply && errors.Is(err, plan.ErrStale); i++ {
		fmt.Fprintf(stderr, "%s: note: the files changed while this run waited for the other one: planning again\n", p.Name)
		r, err = p.exec(context.Background(), cmd, cfg)
	}
	if r == nil {
		return p.fail(stdout, stderr, asJSON, cmd, err), nil
	}
	r.Root = shown
	r.warningsShown = p.warningsShown
	if err != nil {
		r.Exit = ExitError
		if r.Error == "" {
			r.Error = err.Error()
		}
	}
	var werr error
	if r.document != nil {
		werr = r.writeDocument(stdout, stderr)
	} else {
		werr = r.write(stdout, stderr, asJSON)
	}
	if err == nil {
		err = werr
	}
	if err != nil {
		return p.fail(nil, stderr, false, cmd, err), r
	}
	return r.Exit, r
}

func (p *Program) fail(stdout, stderr io.Writer, asJSON bool, cmd string, err error) int {
	return Fail(p.Name, cmd, stdout, stderr, asJSON, err)
}

// Fail reports err of the program name on stderr as "NAME: error: …" (with
// a pointer to -h for a usage error) and, when asJSON and stdout is not nil,
// also as a JSON object on stdout with "error" and "exit" set. It returns
// [ExitError], the status of every error, usage errors included.
func Fail(name, cmd string, stdout, stderr io.Writer, asJSON bool, err error) int {
	if asJSON && stdout != nil {
		r := &Report{Program: name, Command: cmd, Error: err.Error(), Exit: ExitError}
		if werr := r.write(stdout, stderr, true); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	fmt.Fprintf(stderr, "%s: error: %v\n", name, err)
	if errors.Is(err, ErrUsage) || errors.Is(err, ErrNoProxy) {
		fmt.Fprintf(stderr, "run '%s -h' for usage\n", name)
	}
	return ExitError
}

// WantsJSON reports whether args ask for JSON output (-json, or -format
// json), for errors found before the flags are all parsed.
func WantsJSON(args []string) bool {
	for i, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		switch {
		case a == "json" || a == "json=true" || a == "format=json":
			return true
		case a == "format" && i+1 < len(args) && args[i+1] == "json":
			return true
		}
	}
	return false
}

// parse parses flags given before and after the subcommand.
func (p *Program) parse(args []string, stdout io.Writer) (string, *Options, error) {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	// The flag package's own messages are left out: errors are reported
	// once, as "NAME: error: …", and -h prints the usage to stdout.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	opts := new(Options)
	opts.Register(fs)
	if p.Flags != nil {
		p.Flags(fs)
	}
	if p.Sample != nil {
		fs.StringVar(&opts.Sample, "sample", "", "write the sample node the demo uses into `DIR` (new or empty), to try plan, apply and undo on it by hand; nothing else is done")
	}
	parse := func(args []string) error {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			p.usage(stdout, fs)
			return err
		case err != nil:
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		return nil
	}
	if err := parse(args); err != nil {
		return "", nil, err
	}
	if opts.Sample != "" {
		if fs.NArg() > 0 {
			return "", nil, fmt.Errorf("%w: -sample DIR writes the sample node and does nothing else: drop %q", ErrUsage, quote.Bounded(fs.Arg(0)))
		}
		return "", opts, nil
	}
	cmd := CmdPlan
	if fs.NArg() > 0 {
		cmd = fs.Arg(0)
		switch cmd {
		case CmdPlan, CmdApply, CmdUndo, CmdVerify:
		default:
			return "", nil, fmt.Errorf("%w: unknown subcommand %q (want plan, apply, undo or verify)", ErrUsage, quote.Bounded(cmd))
		}
		if err := parse(fs.Args()[1:]); err != nil {
			return "", nil, err
		}
		if cmd == CmdUndo && opts.Force {
			opts.ForcePaths = fs.Args()
			if len(opts.ForcePaths) == 0 {
				return "", nil, fmt.Errorf("%w: undo -force needs the files to restore anyway: undo -force PATH…", ErrUsage)
			}
		} else if fs.NArg() > 0 {
			return "", nil, fmt.Errorf("%w: unexpected argument %q after %s", ErrUsage, quote.Bounded(fs.Arg(0)), cmd)
		}
	}
	if opts.Force && cmd != CmdUndo {
		return "", nil, fmt.Errorf("%w: -force goes with undo: undo -force PATH…", ErrUsage)
	}
	opts.given = givenFlags(fs, args)
	return cmd, opts, nil
}

func (p *Program) usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s [flags] [plan|apply|undo|verify]\n       %s [flags] undo -force PATH...\n\n", p.Name, p.Name)
	if p.Synopsis != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(p.Synopsis))
	}
	fmt.Fprintf(w, "  plan    show what apply would change, as a diff (the default)\n")
	fmt.Fprintf(w, "  apply   change the node, then run the follow-up commands\n")
	fmt.Fprintf(w, "  undo    restore every file apply changed, byte for byte; a file changed since\n")
	fmt.Fprintf(w, "          is left unless named after -force (your version is kept beside it)\n")
	fmt.Fprintf(w, "  verify  compare the node with what the last apply recorded (no password\n")
	fmt.Fprintf(w, "          needed); with the settings, also with what they ask for; with -probe URL,\n")
	fmt.Fprintf(w, "          on the wire: whether each consumer of the node gets through its proxy\n")
	fmt.Fprintf(w, "          to URL and trusts what it presents (connecting from this host)\n\n")
	fmt.Fprintf(w, "%s\n\nflags:\n", ExitStatuses)
	fs.SetOutput(w)
	fs.PrintDefaults()
	if p.Example != "" {
		fmt.Fprintf(w, "\nexample:\n%s\n", strings.TrimRight(p.Example, "\n"))
	}
}

// exec runs one subcommand. The report is returned even with an error when
// part of the work was done, so that it can be shown.
func (p *Program) exec(ctx context.Context, cmd string, cfg *Config) (*Report, error) {
	opts := append(slices.Clip(p.TargetOptions), plan.WithLockBusy(func(wait time.Duration) {
		if p.stderr != nil {
			fmt.Fprintf(p.stderr, "%s: note: another run is changing %s: waiting for it (at most %v)\n", p.Name, cfg.Root, wait)
		}
	}))
	t, err := plan.Open(cfg.Root, opts...)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	r := &Report{Program: p.Name, Command: cmd, Root: cfg.Root}
	r.Warnings = append(r.Warnings, configWarnings(cfg)...)
	if cmd == CmdUndo {
		return r, p.undo(ctx, t, cfg, r)
	}
	if cmd == CmdVerify && len(cfg.Probes) > 0 {
		return r, p.probe(ctx, cfg, r)
	}
	if cmd == CmdPlan || cmd == CmdApply {
		if err := cfg.checkPassword(); err != nil {
			return nil, err
		}
	}
	if cmd == CmdVerify {
		// First what the last apply recorded, which needs no secret; then,
		// with the settings, what they ask for.
		v, err := t.Verify(ctx)
		if v != nil {
			r.recovered(v.Recovered)
		}
		noManifest := errors.Is(err, plan.ErrNoManifest)
		if err != nil && !noManifest {
			return r, err
		}
		if !cfg.hasProxy() {
			if noManifest {
				return nil, fmt.Errorf("nothing to verify: no apply is recorded under %s; give the settings (-proxy …) to compare the node with them", cfg.Root)
			}
			r.verified(v)
			return r, nil
		}
		if v != nil {
			r.verified(v)
		}
	}
	if cmd == CmdApply {
		// Finish or roll back what a killed run left before planning, so
		// the plan starts from a whole node.
		rec, err := t.Recover(ctx)
		r.recovered(rec)
		if err != nil {
			return r, err
		}
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	n := NewNode(cfg, root.FS())
	n.writable = func(name string) error { return p.Env.writable(filepath.Join(cfg.Root, filepath.FromSlash(name))) }
	if err := p.Build(n); err != nil {
		return nil, err
	}
	n.orderActions()
	r.describe(cfg)
	ch, err := t.Compute(&n.Plan)
	if err != nil {
		return nil, err
	}
	n.mask = ch.Mask
	if cmd == CmdPlan || cmd == CmdApply {
		if err := cfg.checkRemovals(ch); err != nil {
			return nil, err
		}
	}
	r.Notes = n.Notes()
	r.Warnings = append(r.Warnings, n.Warnings()...)
	r.Left = n.left
	r.changes(ch)
	r.Warnings = append(r.Warnings, secretWarnings(ch)...)
	if p.Inspect != nil {
		p.Inspect(ch)
	}
	switch cmd {
	case CmdPlan:
		if op := t.Interrupted(); op != "" {
			r.Warnings = append(r.Warnings, Warning{Topic: "root", Message: fmt.Sprintf(
				"an interrupted %s left its work half done; this plan shows the files as they are now, but apply (or undo, or verify) first puts them back as they were before it", op)})
		}
		r.Diff = ch.Diff()
		switch {
		case len(r.Left) > 0:
			r.Exit = ExitIncomplete
		case !ch.Empty():
			r.Exit = ExitPending
		}
		if cfg.Format == FormatCloudConfig {
			return r, p.cloudConfig(r, n, ch, cfg)
		}
		return r, nil
	case CmdVerify:
		if !ch.Empty() || len(r.Drift) > 0 || len(r.Left) > 0 {
			r.Exit = ExitPending
		}
		return r, nil
	}
	if err := p.apply(ctx, t, ch, cfg, r); err != nil {
		return r, err
	}
	if len(r.Left) > 0 && r.Exit == ExitOK {
		r.Exit = ExitIncomplete
	}
	return r, nil
}

// secretWarnings warns about existing files that hold a credential and that
// every local user can read.
func secretWarnings(ch *plan.Changes) []Warning {
	var ws []Warning
	for _, f := range ch.Files {
		if f.Secret && f.Old != nil && f.Mode&0o004 != 0 {
			ws = append(ws, Warning{Topic: "/" + f.Path, Message: fmt.Sprintf(
				"holds the proxy credentials and every local user can read it (mode %04o); it is kept as it is: "+
					"if only root reads it, run chmod 600 /%s", f.Mode.Perm(), f.Path)})
		}
	}
	return ws
}

func configWarnings(cfg *Config) []Warning {
	var ws []Warning
	for _, w := range cfg.Warnings {
		ws = append(ws, Warning{Topic: "command line", Message: w})
	}
	return ws
}

// runner picks the Runner for cfg: none with -no-actions; the program's own
// Runner when it has one (tests record actions with it); otherwise real
// commands when the root is "/", and none on any other root, where they
// would change the host rather than the root.
func (p *Program) runner(cfg *Config) (plan.Runner, string) {
	switch {
	case cfg.NoActions:
		return plan.NoActions, "-no-actions"
	case p.Runner != nil:
		return p.Runner, ""
	case cfg.Root != "/":
		return plan.NoActions, "the root is not /; run it inside the root"
	}
	return plan.Exec{Env: actionEnv(os.Environ())}, ""
}

// actionEnv is the environment of follow-up commands: the program's own,
// without the variables that carry its credentials.
func actionEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if k != EnvProxyPassword && k != EnvStorePass {
			out = append(out, kv)
		}
	}
	return out
}
