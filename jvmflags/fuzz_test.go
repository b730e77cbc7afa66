package jvmflags_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/systemdunit"
)

// FuzzParseCommand checks the analysis of any argv (words separated by NUL
// in the input): it never panics, its parts cover argv exactly, and a patch
// applied to it is idempotent, keeps the terminal and the application
// arguments, and puts the property where the JVM reads it.
func FuzzParseCommand(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		argv := strings.Split(in, "\x00")
		c, err := jvmflags.ParseCommand(argv)
		if err != nil {
			return
		}
		m := c.Main()
		if m.Index < 1 || m.Index >= m.End || m.End > len(argv) {
			t.Fatalf("main %+v out of range for %d words", m, len(argv))
		}
		if !slices.Equal(c.Args(), argv[m.End:]) {
			t.Fatalf("args %q, want %q", c.Args(), argv[m.End:])
		}
		next := 1
		for _, o := range c.Options() {
			if o.Index < next || o.Index+len(o.Words) > m.End || !slices.Equal(o.Words, argv[o.Index:o.Index+len(o.Words)]) {
				t.Fatalf("option %+v misplaced (next %d, main %+v)", o, next, m)
			}
			next = o.Index + len(o.Words)
		}
		patch := jvmflags.Patch{Set: []jvmflags.Property{
			{Key: "keep.a", Value: "1", Keep: true}, {Key: "fuzz.key", Value: "v w"}, {Key: "keep.b", Value: "", Keep: true},
		}, Remove: []string{"http.proxyHost"}, Before: []string{"-cp"}}
		once, _, err := patch.Apply(argv)
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		twice, _, err := patch.Apply(once)
		if err != nil {
			t.Fatalf("apply again: %v", err)
		}
		if !slices.Equal(once, twice) {
			t.Fatalf("not idempotent:\n%q\n%q", once, twice)
		}
		d, err := jvmflags.ParseCommand(once)
		if err != nil {
			t.Fatalf("patched command does not parse: %v", err)
		}
		if d.Main().Value != m.Value || d.Main().Kind != m.Kind || !slices.Equal(d.Args(), c.Args()) {
			t.Fatalf("patch moved the terminal: %+v %q → %+v %q", m, c.Args(), d.Main(), d.Args())
		}
		if v, ok := d.Property("fuzz.key"); !ok || v != "v w" {
			t.Fatalf("property lost: %q %v", v, ok)
		}
		if _, ok := d.Property("http.proxyHost"); ok {
			t.Fatal("removed property still set")
		}
		// Keep properties the command line sets stay as they are, where
		// they are: without the flags the patch drops and writes, input
		// and output are the same words.
		written := map[string]bool{"fuzz.key": true}
		for _, k := range []string{"keep.a", "keep.b"} {
			in, had := c.Property(k)
			out, _ := d.Property(k)
			if had && out != in {
				t.Fatalf("kept property %s changed from %q to %q", k, in, out)
			}
			written[k] = !had
		}
		if a, b := without(c, map[string]bool{"fuzz.key": true, "http.proxyHost": true}), without(d, written); !slices.Equal(a, b) {
			t.Fatalf("patch moved words it does not own:\n%q\n%q", a, b)
		}
	})
}

// without returns c's argv without the -D options of keys.
func without(c *jvmflags.Command, keys map[string]bool) []string {
	var out []string
	skip := map[int]bool{}
	for _, o := range c.Options() {
		if k, _, ok := o.Property(); ok && keys[k] {
			skip[o.Index] = true
		}
	}
	for i, w := range c.Argv() {
		if !skip[i] {
			out = append(out, w)
		}
	}
	return out
}

// FuzzToolOptions checks JAVA_TOOL_OPTIONS both ways: a value that parses
// formats back to a value that parses the same, and any list of options
// (separated by NUL in the input) formats to a value that parses back to it.
func FuzzToolOptions(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		if opts, err := jvmflags.ParseToolOptions(in); err == nil {
			v, err := jvmflags.FormatToolOptions(opts)
			if err != nil {
				t.Fatalf("format %q: %v", opts, err)
			}
			back, err := jvmflags.ParseToolOptions(v)
			if err != nil || !slices.Equal(back, opts) {
				t.Fatalf("parse(format(%q)) = %q, %v (value %q)", opts, back, err, v)
			}
		}
		opts := strings.Split(in, "\x00")
		v, err := jvmflags.FormatToolOptions(opts)
		if err != nil {
			t.Fatalf("format %q: %v", opts, err)
		}
		back, err := jvmflags.ParseToolOptions(v)
		if err != nil || !slices.Equal(back, opts) {
			t.Fatalf("parse(format(%q)) = %q, %v (value %q)", opts, back, err, v)
		}
	})
}

// FuzzDropIn checks that any property value either is refused or comes
// back from the drop-in exactly: the edit reads its own output back.
func FuzzDropIn(f *testing.F) {
	unit, err := systemdunit.ParseNamed("app.service", []byte("[Service]\nEnvironment=X=1\nExecStart=/usr/bin/java $JAVA_OPTS -cp /opt/app/* -Dold=1 app.Main --flag ${X}\n"))
	if err != nil {
		f.Fatal(err)
	}
	u := systemdunit.Merge("app.service", unit)
	f.Fuzz(func(t *testing.T, value string) {
		patch := jvmflags.Patch{Set: []jvmflags.Property{{Key: "fuzz.key", Value: value}, {Key: "old", Value: value}}}
		edit, _, err := patch.DropIn(u)
		if err != nil {
			return
		}
		out, err := edit(nil)
		if err != nil {
			if !errors.Is(err, systemdunit.ErrUnwritable) {
				t.Fatalf("edit: %v", err)
			}
			return
		}
		again, err := edit(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %v\n%s\n%s", err, out, again)
		}
	})
}
