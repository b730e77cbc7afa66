package systemdunit_test

import (
	"testing"

	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

func unitOf(t *testing.T, name string, files ...string) *systemdunit.Unit {
	t.Helper()
	var fs []*systemdunit.File
	for i, s := range files {
		f, err := systemdunit.ParseNamed(name+"/"+string(rune('a'+i)), []byte(s))
		require.NoError(t, err)
		fs = append(fs, f)
	}
	return &systemdunit.Unit{Name: name, Files: fs}
}

func TestCompare(t *testing.T) {
	const docker = "[Service]\nExecStart=/usr/bin/dockerd\n"
	const cosmos = "[Service]\nExecStart=/bin/java -jar c.jar\n"
	before := map[string]*systemdunit.Unit{
		"docker.service": unitOf(t, "docker.service", docker),
		"cosmos.service": unitOf(t, "cosmos.service", cosmos),
		"quiet.service":  unitOf(t, "quiet.service", docker),
		"gone.service":   unitOf(t, "gone.service", docker),
	}
	after := map[string]*systemdunit.Unit{
		"docker.service": unitOf(t, "docker.service", docker, "[Service]\nEnvironment=\"HTTP_PROXY=http://p:3128\"\n"),
		"cosmos.service": unitOf(t, "cosmos.service", cosmos, "[Service]\nExecStart=\nExecStart=/bin/java -Dhttp.proxyHost=p -jar c.jar\n"),
		"quiet.service":  unitOf(t, "quiet.service", "# just a comment\n"+docker),
		"new.service":    unitOf(t, "new.service", docker),
	}
	r := systemdunit.Compare(before, after)
	require.True(t, r.DaemonReload)
	require.Equal(t, []string{"cosmos.service", "docker.service", "gone.service", "new.service"}, r.Restart)
	require.Equal(t, []systemdunit.Change{
		{Unit: "cosmos.service", Files: true, Commands: []string{"ExecStart"}},
		{Unit: "docker.service", Files: true, Environment: true},
		{Unit: "gone.service", Files: true, Commands: []string{"ExecStart"}},
		{Unit: "new.service", Files: true, Commands: []string{"ExecStart"}},
		{Unit: "quiet.service", Files: true},
	}, r.Changes)

	same := systemdunit.Compare(before, before)
	require.Equal(t, systemdunit.Reload{}, same)

	reordered := systemdunit.Compare(
		map[string]*systemdunit.Unit{"x.service": unitOf(t, "x.service", docker+"Environment=A=1 B=2\n")},
		map[string]*systemdunit.Unit{"x.service": unitOf(t, "x.service", docker+"Environment=B=2 A=1\n")})
	require.True(t, reordered.DaemonReload)
	require.Empty(t, reordered.Restart, "the same variables in another order need no restart")

	stop := systemdunit.Compare(
		map[string]*systemdunit.Unit{"x.service": unitOf(t, "x.service", docker)},
		map[string]*systemdunit.Unit{"x.service": unitOf(t, "x.service", docker+"ExecStop=/bin/kill-x\n")})
	require.True(t, stop.DaemonReload)
	require.Equal(t, []systemdunit.Change{{Unit: "x.service", Files: true, Commands: []string{"ExecStop"}}}, stop.Changes)
	require.Empty(t, stop.Restart, "systemd runs the new ExecStop= after the daemon-reload: no restart")

	pre := systemdunit.Compare(
		map[string]*systemdunit.Unit{"x.service": unitOf(t, "x.service", docker)},
		map[string]*systemdunit.Unit{"x.service": unitOf(t, "x.service", docker+"ExecStartPre=/bin/check\n")})
	require.Equal(t, []string{"x.service"}, pre.Restart, "ExecStartPre= runs only when the service starts")
}
