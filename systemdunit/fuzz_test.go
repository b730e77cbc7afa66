package systemdunit_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/proxykit/proxykit/systemdunit"
)

// seedUnits adds the realistic units and the oracle cases as seeds.
func seedUnits(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "edit"))
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join("testdata", "edit", e.Name())); err == nil {
			f.Add(data)
		}
	}
	for _, c := range readingCases {
		f.Add([]byte(c.data))
	}
}

// FuzzRoundTrip checks that any input systemd would load is written back
// byte for byte, and that edits keep it readable, are idempotent and do
// what they say.
func FuzzRoundTrip(f *testing.F) {
	seedUnits(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := systemdunit.Parse(data)
		if err != nil {
			return
		}
		if got := file.Bytes(); string(got) != string(data) {
			t.Fatalf("untouched file not written back: %q → %q", data, got)
		}
		edit := systemdunit.DropIn{
			Environment: []string{"HTTP_PROXY=http://p%40ss$@proxy:3128"},
			ExecStart:   []systemdunit.Command{{Prefixes: "-", Argv: []string{"/usr/bin/x", "a b", "$HOME", "100%"}}},
		}.Edit
		out, err := edit(data)
		if err != nil {
			return // e.g. a value that cannot be written beside ours
		}
		again, err := edit(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("edit not idempotent: %v\n%q\n%q", err, out, again)
		}
		g, err := systemdunit.Parse(out)
		if err != nil {
			t.Fatalf("edited file does not parse: %v\n%q", err, out)
		}
		env, _ := g.Environment()
		if !slices.Contains(env, "HTTP_PROXY=http://p%40ss$@proxy:3128") {
			t.Fatalf("edited environment %q lacks the variable\n%q", env, out)
		}
		cmds, err := g.Commands("ExecStart")
		if err != nil || len(cmds) == 0 || !slices.Equal(cmds[len(cmds)-1].Argv, []string{"/usr/bin/x", "a b", "$HOME", "100%"}) {
			t.Fatalf("edited commands %v, %v\n%q", cmds, err, out)
		}
	})
}

// FuzzFormat checks that formatted values read back as given: an
// environment assignment, and a command with the value as an argument.
func FuzzFormat(f *testing.F) {
	for _, v := range trickyValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if utf8.ValidString(v) && !strings.ContainsRune(v, 0) {
			line, err := systemdunit.FormatEnvironment("V=" + v)
			if err != nil {
				t.Fatalf("FormatEnvironment(%q): %v", v, err)
			}
			file, err := systemdunit.Parse([]byte("[Service]\nEnvironment=" + line + "\n"))
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			if env, _ := file.Environment(); !slices.Equal(env, []string{"V=" + v}) {
				t.Fatalf("environment %q reads back as %q", v, env)
			}
		}
		for _, p := range []string{"", ":"} {
			c := systemdunit.Command{Prefixes: p, Argv: []string{"/bin/x", v, "-D" + v}}
			line, err := systemdunit.FormatExec(c)
			if err != nil {
				if strings.ContainsRune(v, 0) {
					continue
				}
				t.Fatalf("FormatExec(%q): %v", v, err)
			}
			file, err := systemdunit.Parse([]byte("[Service]\nExecStart=" + line + "\n"))
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			cmds, err := file.Commands("ExecStart")
			if err != nil || len(cmds) != 1 || !slices.Equal(cmds[0].Argv, c.Argv) {
				t.Fatalf("command %q reads back as %q (%v) from %q", c.Argv, cmds, err, line)
			}
		}
	})
}
