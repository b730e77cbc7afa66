package node

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A Demo runs a program on a sample root the way a person would: plan,
// apply, plan again, undo, then a summary of what happened. It backs the example
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
	// Root is the sample root, whose every file, link and mode the demo
	// compares before the first step and after undo; empty means the value
	// of -root in Args.
	Root string
	// Password, when set, is the proxy password the program reads from
	// its environment ($PROXYKIT_PROXY_PASSWORD) during the demo.
	Password string
}

// SampleDir stands, in a Demo's Args, Shown and Intro, for a new copy of
// the program's sample node ([Program.Sample]), which [Demo.Run] writes into
// a temporary directory and removes when done.
const SampleDir = "{}"

// Run runs the demo and returns the exit code: 0 when every step did what
// it should (the first plan found changes, apply made them, the second plan
// found nothing to do, undo put back every byte), 1 otherwise.
func (d *Demo) Run(stdout, stderr io.Writer) int {
	if d.Password != "" {
		d.Program.Env.Getenv = func(k string) string {
			if k == EnvProxyPassword {
				return d.Password
			}
			return ""
		}
	}
	if d.Program.Sample != nil && slices.Contains(d.Args, "-root") && slices.Contains(d.Args, SampleDir) {
		dir, err := os.MkdirTemp("", d.Program.Name+"-demo-")
		if err == nil {
			defer os.RemoveAll(dir)
			err = d.Program.Sample(dir)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: error: %v\n", d.Program.Name, err)
			return ExitError
		}
		at := func(s string) string { return strings.ReplaceAll(s, SampleDir, dir) }
		demo := *d
		demo.Args, demo.Shown, demo.Intro = nil, at(d.Shown), at(d.Intro)
		for _, a := range d.Args {
			demo.Args = append(demo.Args, at(a))
		}
		d = &demo
	}
	if d.Shown == "" {
		d.Shown = strings.Join(d.Args, " ")
	}
	fmt.Fprintf(stdout, "%s\n", strings.TrimSpace(d.Intro))
	root := d.Root
	for i, a := range d.Args {
		if root == "" && (a == "-root" || a == "--root") && i+1 < len(d.Args) {
			root = d.Args[i+1]
		}
	}
	if root == "" || root == "/" {
		fmt.Fprintf(stderr, "%s: error: demo without a sample root (-root)\n", d.Program.Name)
		return ExitError
	}
	before, err := treeDigest(root)
	if err != nil {
		fmt.Fprintf(stderr, "%s: error: %v\n", d.Program.Name, err)
		return ExitError
	}
	var reports []*Report
	for i, step := range []struct {
		cmd, title string
		want       int
	}{
		{CmdPlan, "what would change (exit status 2: changes pending)", ExitPending},
		{CmdApply, "apply it", ExitOK},
		{CmdPlan, "plan again: nothing left to do (exit status 0)", ExitOK},
		{CmdUndo, "undo: every file back as it was", ExitOK},
	} {
		args, shown := d.Args, d.Shown
		if step.cmd == CmdUndo {
			args, shown = []string{"-root", root}, "-root "+root
		}
		fmt.Fprintf(stdout, "\n=== step %d: %s\n$ %s %s %s\n\n", i+1, step.title, d.Program.Name, shown, step.cmd)
		code, r := d.Program.RunReport(append(append([]string(nil), args...), step.cmd), stdout, stderr)
		if code != step.want || r == nil {
			fmt.Fprintf(stderr, "%s: error: demo step %d (%s) exited %d, want %d\n", d.Program.Name, i+1, step.cmd, code, step.want)
			return ExitError
		}
		reports = append(reports, r)
		d.Program.warningsShown = true
	}
	d.Program.warningsShown = false
	after, err := treeDigest(root)
	if err != nil {
		fmt.Fprintf(stderr, "%s: error: %v\n", d.Program.Name, err)
		return ExitError
	}
	first, applied, second, undone := reports[0], reports[1], reports[2], reports[3]
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
	same := "every file, link and mode as before the first step"
	if before != after {
		same = "NOT as before the first step"
	}
	fmt.Fprintf(stdout, "undo:        %d files restored, %d removed: %s\n", undone.count("restored"), undone.count("removed"), same)
	run := d.Program.Name
	if d.Program.Source != "" {
		run = "go run " + d.Program.Source
	}
	fmt.Fprintf(stdout, "\nnext: '%s -h' shows how to configure a real node", run)
	if d.Program.Source != "" {
		fmt.Fprintf(stdout, " (or '%s -h' once\ninstalled with 'go install ./examples/...')", d.Program.Name)
	}
	if d.Program.Sample != nil {
		fmt.Fprintf(stdout, ";\n'%s -sample DIR' writes this sample node to DIR to try it by hand", run)
	}
	fmt.Fprintln(stdout)
	if before != after {
		return ExitError
	}
	return ExitOK
}

// treeDigest returns a digest of every file, directory, link and mode under
// dir.
func treeDigest(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v\n", p, fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "-> %s\n", t)
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%x\n", sha256.Sum256(b))
		}
		return nil
	})
	return fmt.Sprintf("%x", h.Sum(nil)), err
}
