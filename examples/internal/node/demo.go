package node

import (
	"fmt"
	"io"
	"strings"
)

// A Demo runs a program on a sample root the way a person would: plan,
// apply, plan again, then a summary of what happened. It backs the example
// programs' no-argument mode.
type Demo struct {
	// Program is the program to run; its Env supplies the demo's password.
	Program *Program
	// Args are the flags for every step, -root included.
	Args []string
	// Shown is how the flags are printed (the password never is: it comes
	// from the environment).
	Shown string
	// Intro is printed first.
	Intro string
}

// Run runs the demo and returns the exit code: 0 when every step did what
// it should (the first plan found changes, apply made them, the second plan
// found nothing to do), 1 otherwise.
func (d *Demo) Run(stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "%s\n", strings.TrimSpace(d.Intro))
	var reports []*Report
	for i, step := range []struct {
		cmd, title string
		want       int
	}{
		{CmdPlan, "what would change (exit status 2: changes pending)", ExitPending},
		{CmdApply, "apply it", ExitOK},
		{CmdPlan, "plan again: nothing left to do (exit status 0)", ExitOK},
	} {
		fmt.Fprintf(stdout, "\n=== step %d: %s\n$ %s %s %s\n\n", i+1, step.title, d.Program.Name, d.Shown, step.cmd)
		code, r := d.Program.RunReport(append(append([]string(nil), d.Args...), step.cmd), stdout, stderr)
		if code != step.want || r == nil {
			fmt.Fprintf(stderr, "%s: error: demo step %d (%s) exited %d, want %d\n", d.Program.Name, i+1, step.cmd, code, step.want)
			return ExitError
		}
		reports = append(reports, r)
		d.Program.warningsShown = true
	}
	d.Program.warningsShown = false
	first, applied, second := reports[0], reports[1], reports[2]
	fmt.Fprintf(stdout, "\n=== summary\n")
	fmt.Fprintf(stdout, "first plan:  %d of %d files to change (%d new), %d follow-up actions, %d warnings\n",
		first.count("create", "change"), len(first.Files), first.count("create"), len(first.Actions), len(first.Warnings))
	ran, skipped := 0, 0
	for _, a := range applied.Actions {
		switch a.Status {
		case "ran":
			ran++
		case "skipped":
			skipped++
		}
	}
	fmt.Fprintf(stdout, "apply:       %d files written (%d new), %d actions run, %d listed but not run (the sample root is not /)\n",
		applied.count("created", "written"), applied.count("created"), ran, skipped)
	fmt.Fprintf(stdout, "second plan: %d files to change, %d actions: nothing to do\n", second.count("create", "change"), len(second.Actions))
	fmt.Fprintf(stdout, "undo would restore every byte; run '%s -h' to configure a real node\n", d.Program.Name)
	return ExitOK
}
