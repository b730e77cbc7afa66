package systemdunit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

func TestParseErrorsSayWhereAndQuoteBounded(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
		text       string // start of the quoted text
	}{
		{"invalid section header", "[Unit]\nDescription=x\n[Service\n", 3, "[Service"},
		{"text after section header", "[Service] extra\n", 1, "[Service] extra"},
		{"bad characters in section header", "[Ser\"vice]\n", 1, "[Ser\"vice]"},
		{"value not UTF-8", "[Service]\nEnvironment=A=caf\xe9\n", 2, "Environment=A=caf"},
		{"section not UTF-8", "[Serv\xffice]\n", 1, "[Serv"},
		{"continued header", "[Service]\nX=1\n[Uni\\\nt\n", 4, "[Uni t"},
		{"line too long", "[Service]\nEnvironment=A=" + strings.Repeat("x", systemdunit.MaxLine) + "\n", 2, "Environment=A=xxx"},
		{"continuation too long", "[Service]\nEnvironment=A=" + strings.Repeat("x", systemdunit.MaxLine/2) + "\\\n" + strings.Repeat("y", systemdunit.MaxLine/2) + "\n", 3, "yyy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := systemdunit.ParseNamed("etc/systemd/system/x.service", []byte(tt.data))
			require.ErrorIs(t, err, systemdunit.ErrSyntax)
			var pe *systemdunit.ParseError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "etc/systemd/system/x.service", pe.File)
			require.Equal(t, tt.line, pe.Line)
			require.True(t, strings.HasPrefix(pe.Text, tt.text), "text %q", pe.Text)
			msg := err.Error()
			require.True(t, strings.HasPrefix(msg, "etc/systemd/system/x.service:"), msg)
			require.Less(t, len(msg), 200, "message must quote a bounded piece: %s", msg)
		})
	}
}

func TestParseAcceptsWhatSystemdAccepts(t *testing.T) {
	for _, c := range readingCases {
		if strings.HasPrefix(c.name, "section-header") || c.name == "value-non-utf8" ||
			strings.HasPrefix(c.name, "refuse-non-utf8") || strings.HasPrefix(c.name, "refuse-bom-non-utf8") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			f, err := systemdunit.Parse([]byte(c.data))
			require.NoError(t, err)
			require.Equal(t, c.data, string(f.Bytes()))
		})
	}
}

func TestParseCopiesItsInput(t *testing.T) {
	data := []byte("[Service]\nEnvironment=A=1\n")
	f, err := systemdunit.Parse(data)
	require.NoError(t, err)
	copy(data, "XXXXXXXXX")
	require.Equal(t, "[Service]\nEnvironment=A=1\n", string(f.Bytes()))
	env, _ := f.Environment()
	require.Equal(t, []string{"A=1"}, env)
}

func TestParseEmptyAndNil(t *testing.T) {
	for _, in := range [][]byte{nil, {}} {
		f, err := systemdunit.Parse(in)
		require.NoError(t, err)
		require.Empty(t, f.Bytes())
		require.Empty(t, f.Sections())
	}
}

func TestAccessors(t *testing.T) {
	f, err := systemdunit.Parse([]byte("Orphan=1\n[Unit]\nDescription=a \\\n  b\n[Service]\nType=simple\nEnvironment=A=1\n[Unit]\nAfter=x\n[Service]\nEnvironment=\nType=notify\n"))
	require.NoError(t, err)
	require.Equal(t, []string{"Unit", "Service"}, f.Sections())
	require.Equal(t, []string{"A=1", ""}, f.Values("Service", "Environment"))
	v, ok := f.Get("Service", "Type")
	require.True(t, ok)
	require.Equal(t, "notify", v)
	v, _ = f.Get("Unit", "Description")
	require.Equal(t, "a    b", v, "the backslash becomes a space, the next line's indentation stays")
	_, ok = f.Get("Unit", "Orphan")
	require.False(t, ok)
	as := f.Assignments()
	require.Len(t, as, 6)
	require.Equal(t, systemdunit.Assignment{Section: "Unit", Key: "Description", Value: "a    b", Line: 4}, as[0])
}

func TestProblemsNameFileAndLine(t *testing.T) {
	f, err := systemdunit.ParseNamed("x.service", []byte(svc(`Environment=A=1 B=\q C=3`, "Environment=1X=2 Y=%Z", "ExecStartPre=-/bin/stub %Z", "garbage")))
	require.NoError(t, err)
	var lines []int
	for _, p := range f.Problems() {
		var pe *systemdunit.ParseError
		require.True(t, errors.As(p, &pe))
		require.ErrorIs(t, p, systemdunit.ErrValue)
		require.Equal(t, "x.service", pe.File)
		lines = append(lines, pe.Line)
	}
	require.Equal(t, []int{6, 7, 7, 8, 9}, lines)
	env, err := f.Environment()
	require.NoError(t, err)
	require.Equal(t, []string{"A=1"}, env)
}

func TestMessagesMaskCredentials(t *testing.T) {
	f, err := systemdunit.ParseNamed("p.conf", []byte(`[Service]
Environment="HTTPS_PROXY=http://svc:s3cr%%et@proxy:3128" A=\q
Environment=1BAD=http://u:hunter2@x PROXY_PASSWORD=hunter2
ExecStartPre=-/bin/java -Dhttp.proxyPassword=hunter2 %Z
`))
	require.NoError(t, err)
	problems := f.Problems()
	require.Len(t, problems, 3)
	for _, p := range problems {
		require.NotContains(t, p.Error(), "hunter2")
		require.NotContains(t, p.Error(), "s3cr")
	}
	_, err = systemdunit.Parse([]byte("[Service]\nEnvironment=\"HTTPS_PROXY=http://svc:hunter2@proxy\" \xff\n"))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
}

// TestRefusedUnitsSayWhereAndWhy checks that every unit of the oracle
// table that systemd refuses to load (the "refuse-" cases) is reported as
// refused by an error that wraps the sentinel for why, names the file and
// the line systemd names, and quotes a bounded piece of what it saw.
func TestRefusedUnitsSayWhereAndWhy(t *testing.T) {
	const file = "etc/systemd/system/x.service"
	tests := map[string]struct {
		line int // 0: the unit as a whole, as systemd reports it
		want error
		text string // part of the message
	}{
		"refuse-exec-path-unknown-escape":          {2, systemdunit.ErrBadSetting, `"/bin/st\\qub"`},
		"refuse-exec-path-unknown-escape-start":    {2, systemdunit.ErrBadSetting, `"/bin/st\\qub"`},
		"refuse-exec-path-bad-hex":                 {2, systemdunit.ErrBadSetting, `"/bin/\\xzz"`},
		"refuse-exec-path-nul-escape":              {2, systemdunit.ErrBadSetting, `"/bin/stub\\x00"`},
		"refuse-exec-path-quoted-unknown-escape":   {2, systemdunit.ErrBadSetting, `"/bin/st\\qub"`},
		"refuse-exec-path-trailing-backslash":      {2, systemdunit.ErrBadSetting, `"/bin/stub\\"`},
		"refuse-exec-path-trailing-backslash-args": {2, systemdunit.ErrBadSetting, `"/bin/stub\\"`},
		"refuse-exec-second-path-unknown-escape":   {2, systemdunit.ErrBadSetting, `"/bin/st\\qub"`},
		"refuse-exec-prefix-at-only":               {2, systemdunit.ErrBadSetting, "empty path"},
		"refuse-exec-prefix-plus-only":             {2, systemdunit.ErrBadSetting, "empty path"},
		"refuse-exec-prefix-colon-only":            {2, systemdunit.ErrBadSetting, "empty path"},
		"refuse-exec-prefix-bangs-only":            {2, systemdunit.ErrBadSetting, "empty path"},
		"refuse-exec-prefix-only-then-path":        {2, systemdunit.ErrBadSetting, "empty path"},
		"refuse-execstart-prefix-only":             {2, systemdunit.ErrBadSetting, "empty path"},
		"refuse-exec-prefix-only-after-semicolon":  {2, systemdunit.ErrBadSetting, "empty path"},
		"refuse-execstart-prefix-dash-only":        {0, systemdunit.ErrBadSetting, "no ExecStart="},
		"refuse-non-utf8-exec":                     {2, systemdunit.ErrSyntax, `"ExecStart=/bin/stub caf\xe9"`},
		"refuse-non-utf8-key":                      {6, systemdunit.ErrSyntax, "not UTF-8"},
		"refuse-non-utf8-unit-section":             {2, systemdunit.ErrSyntax, "not UTF-8"},
		"refuse-non-utf8-unknown-section":          {7, systemdunit.ErrSyntax, "not UTF-8"},
		"refuse-non-utf8-before-section":           {1, systemdunit.ErrSyntax, "not UTF-8"},
		"refuse-non-utf8-without-equals":           {6, systemdunit.ErrSyntax, "not UTF-8"},
		"refuse-non-utf8-continued":                {7, systemdunit.ErrSyntax, "not UTF-8"},
		"refuse-bom-non-utf8-comment":              {1, systemdunit.ErrSyntax, `"# caf\xe9"`},
	}
	seen := 0
	for _, c := range readingCases {
		if !strings.HasPrefix(c.name, "refuse-") {
			continue
		}
		seen++
		t.Run(c.name, func(t *testing.T) {
			tt, ok := tests[c.name]
			require.True(t, ok, "no expectation for %s", c.name)
			f, err := systemdunit.ParseNamed(file, []byte(c.data))
			if err == nil {
				err = systemdunit.Merge("x.service", f).Check()
			}
			require.ErrorIs(t, err, tt.want)
			msg := err.Error()
			require.Contains(t, msg, tt.text)
			require.Less(t, len(msg), 300, "message must quote a bounded piece: %s", msg)
			var pe *systemdunit.ParseError
			if tt.line == 0 {
				require.False(t, errors.As(err, &pe), "a unit-wide refusal names no line: %v", err)
				return
			}
			require.ErrorAs(t, err, &pe)
			require.Equal(t, file, pe.File)
			require.Equal(t, tt.line, pe.Line, "%v", err)
			require.True(t, strings.HasPrefix(msg, file+":"), msg)
		})
	}
	require.Equal(t, len(tests), seen, "every expectation has its case")
}
