package systemdunit_test

import (
	"testing"

	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

func TestFormatExec(t *testing.T) {
	tests := []struct {
		name string
		cmd  systemdunit.Command
		want string
	}{
		{"plain words stay unquoted", systemdunit.Command{Argv: []string{"/usr/bin/dockerd", "-H", "fd://"}}, "/usr/bin/dockerd -H fd://"},
		{"spaces and quotes", systemdunit.Command{Argv: []string{"/bin/x", "a b", `"`, "'", `\`}}, `/bin/x "a b" "\"" "'" "\\"`},
		{"percent everywhere", systemdunit.Command{Argv: []string{"/opt/100%/x", "50%"}}, "/opt/100%%/x 50%%"},
		{"dollar doubled", systemdunit.Command{Argv: []string{"/bin/x", "$HOME", "a$b"}}, "/bin/x $$HOME a$$b"},
		{"dollar kept with colon", systemdunit.Command{Prefixes: ":", Argv: []string{"/bin/x", "$HOME"}}, ":/bin/x $HOME"},
		{"references kept", systemdunit.Command{Argv: []string{"/bin/x", "$OPTS", "${HOME}/a", "$HOME", "p$ss"}, Vars: []string{"OPTS", "HOME"}},
			"/bin/x $OPTS ${HOME}/a $HOME p$$ss"},
		{"empty and semicolon quoted", systemdunit.Command{Argv: []string{"/bin/x", "", ";", ";a", "#b"}}, `/bin/x "" ";" ";a" "#b"`},
		{"control and non-UTF-8 escaped", systemdunit.Command{Argv: []string{"/bin/x", "a\tb\n", "\xff"}}, `/bin/x "a\tb\n" "\xff"`},
		{"prefixes", systemdunit.Command{Prefixes: "-@", Argv: []string{"/bin/sh", "sh", "-c", "true"}}, "-@/bin/sh sh -c true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := systemdunit.FormatExec(tt.cmd)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			f, err := systemdunit.Parse([]byte("[Service]\nExecStart=" + got + "\n"))
			require.NoError(t, err)
			cmds, err := f.Commands("ExecStart")
			require.NoError(t, err)
			require.Len(t, cmds, 1)
			require.True(t, tt.cmd.Equal(cmds[0]), "%q reads back as %q", tt.cmd.Argv, cmds[0].Argv)
		})
	}
}

func TestFormatExecRefuses(t *testing.T) {
	for name, c := range map[string]systemdunit.Command{
		"empty":             {},
		"relative path":     {Argv: []string{"java"}},
		"quote in path":     {Argv: []string{`/bin/"x"`}},
		"directory":         {Argv: []string{"/bin/"}},
		"bad prefix":        {Prefixes: "x", Argv: []string{"/bin/x"}},
		"plus and bang":     {Prefixes: "+!", Argv: []string{"/bin/x"}},
		"argv0 missing":     {Prefixes: "@", Argv: []string{"/bin/x"}},
		"NUL in argument":   {Argv: []string{"/bin/x", "a\x00"}},
		"repeated prefixes": {Prefixes: "--", Argv: []string{"/bin/x"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := systemdunit.FormatExec(c)
			require.ErrorIs(t, err, systemdunit.ErrUnwritable)
		})
	}
}

func TestFormatEnvironment(t *testing.T) {
	got, err := systemdunit.FormatEnvironment("A=1", "B=a b", `C="q" \ %`, "D=")
	require.NoError(t, err)
	require.Equal(t, `"A=1" "B=a b" "C=\"q\" \\ %%" "D="`, got)
	for _, bad := range []string{"1A=x", "A", "A-B=1", "=x", "A=caf\xe9", "A=\x00"} {
		_, err := systemdunit.FormatEnvironment(bad)
		require.ErrorIs(t, err, systemdunit.ErrUnwritable, "%q", bad)
	}
}

func TestCommandPrefixes(t *testing.T) {
	c := systemdunit.Command{Prefixes: "@-!!"}
	require.True(t, c.Has("@"))
	require.True(t, c.Has("-"))
	require.True(t, c.Has("!!"))
	require.False(t, c.Has("!"))
	require.False(t, c.Has(":"))
	require.True(t, systemdunit.Command{Prefixes: "-@", Argv: []string{"/x", "x"}}.Equal(systemdunit.Command{Prefixes: "@-", Argv: []string{"/x", "x"}}))
	require.False(t, systemdunit.Command{Prefixes: "-", Argv: []string{"/x"}}.Equal(systemdunit.Command{Argv: []string{"/x"}}))
}

func TestCommandsOfExecKeys(t *testing.T) {
	f, err := systemdunit.Parse([]byte(bare(
		"ExecStartPre=-/bin/a $$X ${Y} $Z",
		"ExecStartPre=/bin/b ; /bin/c",
		"ExecStart=/bin/main",
		"ExecStopPost=",
	)))
	require.NoError(t, err)
	pre, err := f.Commands("ExecStartPre")
	require.NoError(t, err)
	require.Equal(t, []systemdunit.Command{
		{Prefixes: "-", Argv: []string{"/bin/a", "$X", "${Y}", "$Z"}, Vars: []string{"Y", "Z"}},
		{Argv: []string{"/bin/b"}},
		{Argv: []string{"/bin/c"}},
	}, pre)
	none, err := f.Commands("ExecStopPost")
	require.NoError(t, err)
	require.Empty(t, none)
	require.NoError(t, f.Check())

	g, err := systemdunit.Parse([]byte(bare("ExecStart=/bin/a %Z")))
	require.NoError(t, err)
	_, err = g.Commands("ExecStart")
	require.ErrorIs(t, err, systemdunit.ErrBadSetting)
	require.ErrorIs(t, g.Check(), systemdunit.ErrBadSetting)
}

func TestParseValues(t *testing.T) {
	env, err := systemdunit.ParseEnvironment(`"A=1 2" B=%% 1X=3 A=4 C=\q D=5`)
	require.ErrorIs(t, err, systemdunit.ErrValue)
	require.Equal(t, []string{"A=4", "B=%"}, env)
	env, err = systemdunit.ParseEnvironment(`"HTTP_PROXY=http://p:3128"`)
	require.NoError(t, err)
	require.Equal(t, []string{"HTTP_PROXY=http://p:3128"}, env)

	cmds, err := systemdunit.ParseExec(`-/bin/a "x y" $$HOME ; /bin/b \;`)
	require.NoError(t, err)
	require.Equal(t, []systemdunit.Command{
		{Prefixes: "-", Argv: []string{"/bin/a", "x y", "$HOME"}},
		{Argv: []string{"/bin/b", ";"}},
	}, cmds)
	_, err = systemdunit.ParseExec(`/bin/a "x`)
	require.ErrorIs(t, err, systemdunit.ErrBadSetting)
	cmds, err = systemdunit.ParseExec(`-/bin/a %Z`)
	require.ErrorIs(t, err, systemdunit.ErrValue)
	require.Empty(t, cmds)
	cmds, err = systemdunit.ParseExec("")
	require.NoError(t, err)
	require.Empty(t, cmds)

	// A path is read as the arguments are: an unknown escape or a trailing
	// backslash is kept, and makes the path one systemd refuses.
	for _, v := range []string{`/bin/a\q`, `/bin/a\`, `/bin/\x00`, `/bin/a x ; /bin/b\q`, "@", "+", "!!"} {
		_, err = systemdunit.ParseExec(v)
		require.ErrorIs(t, err, systemdunit.ErrBadSetting, "%q", v)
	}
	cmds, err = systemdunit.ParseExec(`-/bin/a\q x ; /bin/b`)
	require.ErrorIs(t, err, systemdunit.ErrValue, "ignored with '-', with the rest of the line")
	require.NotErrorIs(t, err, systemdunit.ErrBadSetting)
	require.Empty(t, cmds)
	cmds, err = systemdunit.ParseExec(`/bin/a 90%+tax rate%! a%.b end%`)
	require.NoError(t, err)
	require.Equal(t, []string{"/bin/a", "90%+tax", "rate%!", "a%.b", "end%"}, cmds[0].Argv)
}
