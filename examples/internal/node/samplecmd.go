package node

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// writeSample runs -sample DIR: it writes the program's sample node into
// dir, which must be new or empty, and prints how to try it by hand. It
// returns the exit status.
func (p *Program) writeSample(stdout, stderr io.Writer, asJSON bool, dir string) int {
	fail := func(err error) int { return p.fail(stdout, stderr, asJSON, "", fmt.Errorf("-sample: %w", err)) }
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fail(fmt.Errorf("%s is not empty: give a new or empty directory", dir))
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	if err := p.Sample(dir); err != nil {
		return fail(err)
	}
	if asJSON {
		r := &Report{Program: p.Name, Command: "sample", Root: dir}
		if err := r.write(stdout, stderr, true); err != nil {
			return fail(err)
		}
		return ExitOK
	}
	run := p.Name
	if p.Source != "" {
		run = "go run " + p.Source
	}
	args := strings.ReplaceAll(p.SampleArgs, "{}", dir)
	fmt.Fprintf(stdout, `wrote the sample node to %[1]s. Try it by hand, from the module's root:

  export %[2]s='s3cret'   # the proxy password, never on the command line
  # the diff of every file; exit status 2, changes pending (go run says "exit status 2")
  %[3]s -root %[1]s %[4]s plan
  %[3]s -root %[1]s %[4]s apply
  # compare with what apply recorded, then put every byte back
  %[3]s -root %[1]s verify
  %[3]s -root %[1]s undo

The follow-up commands (update-ca-trust, systemctl) are listed, not run: the
root is not /. Remove %[1]s when done.
`, filepath.Clean(dir), EnvProxyPassword, run, args)
	return ExitOK
}
