package systemdunit_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

// trickyValues are values the writer must carry through systemd unchanged.
var trickyValues = []string{
	"plain",
	"with space",
	"  leading and trailing  ",
	`quote"inside`,
	"single'quote",
	`back\slash`,
	`ends with backslash\`,
	`\\double`,
	`\x41 is not an escape`,
	`\n is not a newline`,
	"percent%",
	"%%",
	"%n%p%i",
	"100%",
	"dollar$",
	"$HOME",
	"${HOME}",
	"$$",
	"a$b$$c${d}",
	"tab\there",
	"new\nline",
	"cr\rhere",
	"semi;colon",
	";",
	"; leading",
	"#hash",
	"# hash",
	"héllo wörld",
	"日本語",
	"emoji 😀",
	"",
	"=",
	"a=b=c",
	"ctrl\x01\x1f",
	"del\x7f",
	"p@ss:w%rd$1!&|<>*?[]{}()~`^",
	"http://user:p%40ss%24@proxy.example.com:3128",
	"localhost,127.0.0.1,.example.com,10.0.0.0/8",
	"'",
	`"`,
	`\`,
	"-Dhttp.nonProxyHosts=localhost|*.example.com",
	strings.Repeat("long value with spaces ", 200),
	strings.Repeat("-Dkey=value ", 400) + "end",
}

// execOnlyValues cannot be environment values (not UTF-8) but are valid
// arguments.
var execOnlyValues = []string{"\xff\xfe bytes", "caf\xe9"}

const writerBase = "[Unit]\nDescription=writer\n\n[Service]\nExecStart=/bin/stub\n"

// writerCases builds units from the writer's output: Environment= lines
// from DropIn.Edit and commands from FormatExec with several prefixes.
func writerCases(t *testing.T) (cases []oracleCase, wantEnv map[string][]string, wantExec map[string][]string) {
	t.Helper()
	wantEnv, wantExec = map[string][]string{}, map[string][]string{}
	for i, v := range trickyValues {
		name := fmt.Sprintf("w-env-%02d", i)
		env := []string{"V=" + v, "W=x" + v + "y"}
		out, err := systemdunit.DropIn{Environment: env}.Edit([]byte(writerBase))
		require.NoError(t, err, "value %q", v)
		cases = append(cases, oracleCase{name, string(out)})
		wantEnv[name] = env
	}
	prefixes := []string{"", "-", ":", "@", "+", "!!", "-:"}
	for i, v := range append(slices.Clone(trickyValues), execOnlyValues...) {
		p := prefixes[i%len(prefixes)]
		name := fmt.Sprintf("w-exec-%02d", i)
		argv := []string{"/bin/stub", v, "x" + v + "y", "-D" + v}
		if strings.Contains(p, "@") {
			argv = []string{"/bin/stub", "argv0 " + v, v}
		}
		out, err := systemdunit.DropIn{ExecStart: []systemdunit.Command{{Prefixes: p, Argv: argv}}}.Edit([]byte(writerBase))
		require.NoError(t, err, "value %q", v)
		cases = append(cases, oracleCase{name, string(out)})
		if strings.Contains(p, "@") {
			argv = argv[1:]
		}
		wantExec[name] = argv
	}
	return cases, wantEnv, wantExec
}

// TestWriterRoundTripsThroughSystemd checks that every value the writer
// produces reads back, in systemd and in the package, as the same
// environment and argv, with no warning from systemd at all.
func TestWriterRoundTripsThroughSystemd(t *testing.T) {
	cases, wantEnv, wantExec := writerCases(t)
	for _, c := range cases {
		for _, line := range strings.SplitAfter(c.data, "\n") {
			require.Less(t, len(line), 2048, "%s: physical line too long", c.name)
		}
	}
	check := func(t *testing.T, source string, got map[string]answer) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a := got[c.name]
				require.True(t, a.Loaded, "%s does not load:\n%s", source, c.data)
				if env, ok := wantEnv[c.name]; ok {
					require.Equal(t, env, a.Env, "%s environment; unit:\n%s", source, c.data)
				}
				if argv, ok := wantExec[c.name]; ok {
					cmds := a.Exec["ExecStart"]
					require.Len(t, cmds, 1, source)
					require.Equal(t, argv, cmds[0], "%s argv; unit:\n%s", source, c.data)
				}
			})
		}
	}
	// The package's own reading.
	mine := map[string]answer{}
	for _, c := range cases {
		mine[c.name] = ours(c.unit(), []byte(c.data))
	}
	check(t, "package", mine)

	path := filepath.Join("testdata", "oracle", "writer.golden")
	var live map[string]answer
	if analyze, ok := findAnalyze(t); ok {
		var rc int
		var stderr string
		live, rc, stderr = runSystemd(t, analyze, cases, []string{"bin/stub"})
		t.Logf("%s", oracle.Version(analyze))
		require.Equal(t, 0, rc, "systemd-analyze warned:\n%s", stderr)
		lit := map[string]answer{}
		for name, a := range live {
			lit[name] = a.literal(mine[name].prefixes)
		}
		check(t, "systemd-analyze", lit)
	}
	recorded := golden(t, path, caseNames(cases), live)
	for _, n := range caseNames(cases) {
		require.Equal(t, recorded[n].literal(mine[n].prefixes).String(), mine[n].String(), "%s: package disagrees with recorded systemd answer", n)
	}
}
