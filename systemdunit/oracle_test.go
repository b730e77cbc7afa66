package systemdunit_test

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata from the current results and the oracle")

// answer is what a reader makes of one unit: whether it loads, its
// environment and the argv of each Exec setting's commands.
type answer struct {
	Loaded bool
	Env    []string
	Exec   map[string][][]string // key → commands → words, as systemd's dump shows them
	// Files are the unit file and drop-ins read, relative to the root
	// (drop-in tests only).
	Files []string
	// Warn lists the lines systemd logs a problem about (unknown keys and
	// sections left out), for units that load.
	Warn []int
	// Refused is, for a unit that does not load because of one line, that
	// line: the last one systemd logs about (it stops reading there), or
	// the line of the package's *ParseError. 0 when the unit as a whole is
	// refused ("Service has no ExecStart=") or not known.
	Refused int
	// prefixes of each command, known for the package's answers only.
	prefixes map[string][]string
}

func (a answer) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loaded %v\n", a.Loaded)
	if a.Refused > 0 {
		fmt.Fprintf(&b, "refused %d\n", a.Refused)
	}
	for _, f := range a.Files {
		fmt.Fprintf(&b, "file %s\n", strconv.Quote(f))
	}
	for _, e := range a.Env {
		fmt.Fprintf(&b, "env %s\n", strconv.Quote(e))
	}
	for _, l := range a.Warn {
		fmt.Fprintf(&b, "warn %d\n", l)
	}
	for _, key := range systemdunit.ExecKeys {
		for _, argv := range a.Exec[key] {
			q := make([]string, len(argv))
			for i, w := range argv {
				q[i] = strconv.Quote(w)
			}
			fmt.Fprintf(&b, "%s %s\n", key, strings.Join(q, " "))
		}
	}
	return b.String()
}

// ours computes the package's answer for a unit called name. Argv is
// turned into what systemd's dump prints: the words as stored, without the
// path when the "@" prefix is set.
func ours(name string, data []byte) answer {
	f, err := systemdunit.ParseNamed(name, data)
	if err == nil {
		err = systemdunit.Merge(name, f).Check()
	}
	if err != nil {
		var pe *systemdunit.ParseError
		if errors.As(err, &pe) {
			return answer{Refused: pe.Line}
		}
		return answer{}
	}
	u := systemdunit.Merge(name, f)
	a := answer{Loaded: true, Exec: map[string][][]string{}, prefixes: map[string][]string{}}
	a.Env, _ = u.Environment()
	a.Warn = problemLines(u.Problems())
	for _, key := range systemdunit.ExecKeys {
		cmds, _ := u.Commands(key)
		for _, c := range cmds {
			argv := c.Argv
			if c.Has("@") {
				argv = argv[1:]
			}
			a.Exec[key] = append(a.Exec[key], argv)
			a.prefixes[key] = append(a.prefixes[key], c.Prefixes)
		}
	}
	return a
}

// literal turns systemd's answer into the package's terms: "$$" is "$" in
// the words after the path, unless the ":" prefix (as the package read it)
// turns substitution off.
func (a answer) literal(prefixes map[string][]string) answer {
	out := a
	out.Exec = map[string][][]string{}
	for key, cmds := range a.Exec {
		for i, argv := range cmds {
			p := ""
			if i < len(prefixes[key]) {
				p = prefixes[key][i]
			}
			c := systemdunit.Command{Prefixes: p, Argv: slices.Clone(argv)}
			if c.Has("@") {
				c.Argv = append([]string{"/path"}, c.Argv...)
			}
			c = systemdunit.Literal(c)
			if c.Has("@") {
				c.Argv = c.Argv[1:]
			}
			out.Exec[key] = append(out.Exec[key], c.Argv)
		}
	}
	return out
}

// oracleCase is one unit file given to systemd and to the package.
type oracleCase struct {
	name string // unit name without ".service"
	data string
}

func (c oracleCase) unit() string { return c.name + ".service" }

// runSystemd writes the units under a fresh root with stub executables,
// runs systemd-analyze verify once for all and returns its answer per unit,
// its exit code and its stderr.
func runSystemd(t *testing.T, analyze string, cases []oracleCase, stubs []string) (map[string]answer, int, string) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	args := []string{"--root=" + root, "verify", "--man=no", "--generators=no", "--recursive-errors=no"}
	for _, c := range cases {
		require.NoError(t, os.WriteFile(filepath.Join(dir, c.unit()), []byte(c.data), 0o644))
		args = append(args, c.unit())
	}
	for _, s := range stubs {
		p := filepath.Join(root, filepath.FromSlash(s))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755))
	}
	cmd := exec.Command(analyze, args...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_COLOR=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	rc := 0
	if ee, ok := err.(*exec.ExitError); ok {
		rc = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	got := parseDump(t, stdout.Bytes())
	warns := warnLines(stderr.String(), dir)
	out := map[string]answer{}
	for _, c := range cases {
		a := got[c.unit()]
		a.Files = nil
		if a.Loaded {
			a.Warn = warns[c.unit()]
		} else {
			a.Refused = refusedLine(stderr.String(), dir, c.unit())
		}
		out[c.name] = a
	}
	return out, rc, stderr.String()
}

// parseDump reads the unit dumps systemd-analyze prints at debug level:
// "\t-> Unit NAME:" blocks with "\t\tEnvironment: K=V" lines and, under
// "\t\t-> ExecStart:", "\t\t\tCommand Line: …" lines.
func parseDump(t *testing.T, out []byte) map[string]answer {
	t.Helper()
	units := map[string]answer{}
	var cur *answer
	var name, execKey string
	flush := func() {
		if cur != nil {
			units[name] = *cur
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 8<<20)
	lastEnv := false
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "\t-> Unit "); ok {
			flush()
			name = strings.TrimSuffix(n, ":")
			cur = &answer{Loaded: true, Exec: map[string][][]string{}}
			execKey, lastEnv = "", false
			continue
		}
		if cur == nil {
			continue
		}
		if !strings.HasPrefix(line, "\t") {
			// A line break inside an environment value.
			if lastEnv {
				cur.Env[len(cur.Env)-1] += "\n" + line
			}
			continue
		}
		lastEnv = false
		if v, ok := strings.CutPrefix(line, "\t\tFragment Path: "); ok {
			cur.Files = append(cur.Files, v)
			continue
		}
		if v, ok := strings.CutPrefix(line, "\t\tDropIn Path: "); ok {
			cur.Files = append(cur.Files, v)
			continue
		}
		if v, ok := strings.CutPrefix(line, "\t\tEnvironment: "); ok {
			cur.Env = append(cur.Env, v)
			lastEnv = true
			continue
		}
		if k, ok := strings.CutPrefix(line, "\t\t-> "); ok {
			execKey = strings.TrimSuffix(k, ":")
			continue
		}
		if v, ok := strings.CutPrefix(line, "\t\t\tCommand Line: "); ok && execKey != "" {
			argv, err := splitDumpLine(v)
			require.NoError(t, err, "unit %s: %q", name, v)
			cur.Exec[execKey] = append(cur.Exec[execKey], argv)
			continue
		}
		if !strings.HasPrefix(line, "\t\t\t") {
			execKey = ""
		}
	}
	require.NoError(t, sc.Err())
	flush()
	return units
}

// splitDumpLine undoes systemd's quote_command_line(): words separated by
// spaces, in double quotes where needed, with backslash escapes.
func splitDumpLine(s string) ([]string, error) {
	var argv []string
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] != '"' {
			j := strings.IndexByte(s[i:], ' ')
			if j < 0 {
				j = len(s) - i
			}
			argv = append(argv, s[i:i+j])
			i += j
			continue
		}
		i++
		var w []byte
		for {
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			c := s[i]
			if c == '"' {
				i++
				break
			}
			if c != '\\' || i+1 >= len(s) {
				w = append(w, c)
				i++
				continue
			}
			e := s[i+1]
			i += 2
			switch e {
			case 'a':
				w = append(w, '\a')
			case 'b':
				w = append(w, '\b')
			case 'f':
				w = append(w, '\f')
			case 'n':
				w = append(w, '\n')
			case 'r':
				w = append(w, '\r')
			case 't':
				w = append(w, '\t')
			case 'v':
				w = append(w, '\v')
			case 'x':
				v, err := strconv.ParseUint(s[i:i+2], 16, 8)
				if err != nil {
					return nil, err
				}
				w = append(w, byte(v))
				i += 2
			case '0', '1', '2', '3':
				v, err := strconv.ParseUint(s[i-1:i+2], 8, 8)
				if err != nil {
					return nil, err
				}
				w = append(w, byte(v))
				i += 2
			default:
				w = append(w, e)
			}
		}
		argv = append(argv, string(w))
	}
	return argv, nil
}

// golden reads or writes the recorded answers of systemd for cases.
func golden(t *testing.T, path string, names []string, live map[string]answer) map[string]answer {
	t.Helper()
	if live != nil && *update {
		var b strings.Builder
		fmt.Fprintf(&b, "# systemd's answers, recorded by go test -update with %s\n", analyzeVersion)
		for _, n := range names {
			fmt.Fprintf(&b, "\ncase %s\n%s", n, live[n])
		}
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	recorded := map[string]answer{}
	var cur *answer
	var name string
	for ln, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "case":
			if cur != nil {
				recorded[name] = *cur
			}
			name, cur = rest, &answer{Exec: map[string][][]string{}}
		case "loaded":
			cur.Loaded = rest == "true"
		case "refused":
			n, err := strconv.Atoi(rest)
			require.NoError(t, err, "%s:%d", path, ln+1)
			cur.Refused = n
		case "file":
			v, err := strconv.Unquote(rest)
			require.NoError(t, err, "%s:%d", path, ln+1)
			cur.Files = append(cur.Files, v)
		case "warn":
			n, err := strconv.Atoi(rest)
			require.NoError(t, err, "%s:%d", path, ln+1)
			cur.Warn = append(cur.Warn, n)
		case "env":
			v, err := strconv.Unquote(rest)
			require.NoError(t, err, "%s:%d", path, ln+1)
			cur.Env = append(cur.Env, v)
		default:
			var argv []string
			for _, q := range splitQuoted(rest) {
				v, err := strconv.Unquote(q)
				require.NoError(t, err, "%s:%d", path, ln+1)
				argv = append(argv, v)
			}
			cur.Exec[word] = append(cur.Exec[word], argv)
		}
	}
	if cur != nil {
		recorded[name] = *cur
	}
	return recorded
}

// splitQuoted splits a line of space-separated Go-quoted strings.
func splitQuoted(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		out = append(out, s[i:j+1])
		i = j + 1
	}
	return out
}

// analyzeVersion is the systemd whose reading the package models and
// whose answers testdata records.
const analyzeVersion = "systemd 252"

// checkAgainst compares the package's answers with systemd's, live or
// recorded.
func checkAgainst(t *testing.T, cases []oracleCase, want map[string]answer, source string) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, ok := want[c.name]
			require.True(t, ok, "no %s answer for %s; run go test -update", source, c.name)
			got := ours(c.unit(), []byte(c.data))
			require.Equal(t, w.literal(got.prefixes).String(), got.String(), "%s disagrees; unit:\n%s", source, c.data)
		})
	}
}

// TestReadingMatchesSystemd checks, for many tricky units, that the
// package reads what systemd 252 reads: whether the unit loads, its
// environment and its commands.
func TestReadingMatchesSystemd(t *testing.T) {
	path := filepath.Join("testdata", "oracle", "reading.golden")
	names := caseNames(readingCases)
	var live map[string]answer
	if analyze, ok := findAnalyze(t); ok {
		var stderr string
		live, _, stderr = runSystemd(t, analyze, readingCases, []string{"bin/stub"})
		t.Logf("%s", oracle.Version(analyze))
		if testing.Verbose() {
			t.Logf("systemd-analyze stderr:\n%s", stderr)
		}
	}
	recorded := golden(t, path, names, live)
	if live != nil {
		checkAgainst(t, readingCases, live, "systemd-analyze")
		for _, n := range names {
			require.Equal(t, live[n].String(), recorded[n].String(), "%s: recorded answer is stale; run go test -update", n)
		}
		return
	}
	checkAgainst(t, readingCases, recorded, "recorded systemd answer")
}

func caseNames(cases []oracleCase) []string {
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.name
	}
	return names
}

// findAnalyze returns systemd-analyze where installed and of the version
// the package models (252). Elsewhere the recorded answers are checked
// instead; a missing tool fails the test when the oracles are required.
func findAnalyze(t *testing.T) (string, bool) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil && os.Getenv(oracle.EnvRequire) == "" {
		t.Logf("systemd-analyze not installed: checking recorded answers only")
		return "", false
	}
	path := oracle.Require(t, "systemd-analyze")
	v := oracle.Version(path)
	if !strings.HasPrefix(v, analyzeVersion+" ") {
		t.Logf("%s is not %s: checking recorded answers only", v, analyzeVersion)
		return "", false
	}
	return path, true
}

// problemLines returns the sorted distinct lines of problems.
func problemLines(problems []error) []int {
	var lines []int
	for _, p := range problems {
		var pe *systemdunit.ParseError
		if errors.As(p, &pe) && pe.Line > 0 && !slices.Contains(lines, pe.Line) {
			lines = append(lines, pe.Line)
		}
	}
	slices.Sort(lines)
	return lines
}

// warnLines collects, per unit file in dir, the lines systemd logged a
// problem about ("DIR/UNIT:LINE: message"), unknown keys and sections left
// out.
func warnLines(stderr, dir string) map[string][]int {
	out := map[string][]int{}
	for _, line := range strings.Split(stderr, "\n") {
		rest, ok := strings.CutPrefix(line, dir+"/")
		if !ok {
			continue
		}
		unit, rest, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		num, msg, ok := strings.Cut(rest, ": ")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || strings.HasPrefix(msg, "Unknown key") || strings.HasPrefix(msg, "Unknown section") {
			continue
		}
		if !slices.Contains(out[unit], n) {
			out[unit] = append(out[unit], n)
		}
	}
	for _, l := range out {
		slices.Sort(l)
	}
	return out
}

// refusedLine returns the line at which systemd refused to load unit, as
// its log in stderr tells: the last line it logged about (it stops reading
// the file at the line it refuses), or 0 when it refused the unit as a
// whole ("unit: Service has no ExecStart=…").
func refusedLine(stderr, dir, unit string) int {
	last := 0
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, unit+": Service has ") {
			return 0
		}
		rest, ok := strings.CutPrefix(line, dir+"/"+unit+":")
		if !ok {
			continue
		}
		num, _, ok := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); ok && err == nil {
			last = n
		}
	}
	return last
}
