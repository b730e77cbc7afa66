package systemdunit_test

import (
	"strings"
	"testing"

	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

func TestEditsChangeOnlyTheirLines(t *testing.T) {
	const unit = "# head\n[Unit]\nDescription=x\n\n[Service]\n# the type\nType=simple\nExecStart=/bin/a\n\n# tail comment\n[Install]\nWantedBy=multi-user.target\n"
	tests := []struct {
		name string
		edit func(f *systemdunit.File) error
		want string
	}{
		{"set replaces in place", func(f *systemdunit.File) error { return f.Set("Service", "Type", "notify") },
			strings.Replace(unit, "Type=simple", "Type=notify", 1)},
		{"set same value keeps bytes", func(f *systemdunit.File) error { return f.Set("Service", "Type", "simple") }, unit},
		{"set new key goes after the section's last assignment", func(f *systemdunit.File) error { return f.Set("Service", "Restart", "always") },
			strings.Replace(unit, "ExecStart=/bin/a\n", "ExecStart=/bin/a\nRestart=always\n", 1)},
		{"add goes after the key's last assignment", func(f *systemdunit.File) error { return f.Add("Service", "Type", "oneshot") },
			strings.Replace(unit, "Type=simple\n", "Type=simple\nType=oneshot\n", 1)},
		{"new section at the end", func(f *systemdunit.File) error { return f.Set("X-Proxykit", "Managed", "yes") },
			unit + "\n[X-Proxykit]\nManaged=yes\n"},
		{"remove", func(f *systemdunit.File) error { f.Remove("Service", "Type"); return nil },
			strings.Replace(unit, "Type=simple\n", "", 1)},
		{"remove missing key changes nothing", func(f *systemdunit.File) error { f.Remove("Service", "Nope"); return nil }, unit},
		{"set list with reset", func(f *systemdunit.File) error {
			return f.SetList("Service", "ExecStart", []string{"", "/bin/b"})
		}, strings.Replace(unit, "ExecStart=/bin/a\n", "ExecStart=\nExecStart=/bin/b\n", 1)},
		{"set env appends one line per variable", func(f *systemdunit.File) error { return f.SetEnv("HTTP_PROXY", "http://p:3128") },
			strings.Replace(unit, "ExecStart=/bin/a\n", "ExecStart=/bin/a\nEnvironment=\"HTTP_PROXY=http://p:3128\"\n", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := systemdunit.Parse([]byte(unit))
			require.NoError(t, err)
			require.NoError(t, tt.edit(f))
			require.Equal(t, tt.want, string(f.Bytes()))
		})
	}
}

func TestEditsKeepLineEndings(t *testing.T) {
	for _, nl := range []string{"\r\n", "\r", "\n"} {
		unit := strings.ReplaceAll("[Service]\nExecStart=/bin/a\n", "\n", nl)
		f, err := systemdunit.Parse([]byte(unit))
		require.NoError(t, err)
		require.NoError(t, f.Set("Service", "Type", "simple"))
		require.Equal(t, unit+"Type=simple"+nl, string(f.Bytes()))
	}
}

func TestSetReplacesContinuedValueKeepingComments(t *testing.T) {
	f, err := systemdunit.Parse([]byte("[Unit]\nDescription=a \\\n# note\n  b\nAfter=x\n"))
	require.NoError(t, err)
	require.NoError(t, f.Set("Unit", "Description", "c"))
	require.Equal(t, "[Unit]\n# note\nDescription=c\nAfter=x\n", string(f.Bytes()))
}

func TestEditsRefuseUnwritableValues(t *testing.T) {
	tests := []struct{ name, key, value string }{
		{"newline", "Description", "a\nb"},
		{"carriage return", "Description", "a\rb"},
		{"NUL", "Description", "a\x00b"},
		{"trailing backslash", "Description", `a\`},
		{"not UTF-8", "Description", "caf\xe9"},
		{"surrounding space", "Description", " a"},
		{"long without spaces", "Description", strings.Repeat("x", 3000)},
		{"bad key", "Des=cription", "a"},
		{"empty key", "", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := systemdunit.Parse([]byte("[Unit]\n"))
			require.NoError(t, err)
			require.ErrorIs(t, f.Set("Unit", tt.key, tt.value), systemdunit.ErrUnwritable)
			require.Equal(t, "[Unit]\n", string(f.Bytes()), "a refused edit changes nothing")
		})
	}
}

func TestLongValuesAreWrappedAtSpaces(t *testing.T) {
	value := strings.TrimSpace(strings.Repeat("-Dkey=value ", 500))
	f, err := systemdunit.Parse([]byte("[Service]\n"))
	require.NoError(t, err)
	require.NoError(t, f.Set("Service", "ExecStart", "/bin/java "+value))
	out := f.Bytes()
	for _, line := range strings.SplitAfter(string(out), "\n") {
		require.Less(t, len(line), 2048)
	}
	g, err := systemdunit.Parse(out)
	require.NoError(t, err)
	v, _ := g.Get("Service", "ExecStart")
	require.Equal(t, "/bin/java "+value, v)
}

func TestCloneIsIndependent(t *testing.T) {
	f, err := systemdunit.Parse([]byte("[Service]\nType=simple\n"))
	require.NoError(t, err)
	g := f.Clone()
	require.NoError(t, g.Set("Service", "Type", "notify"))
	require.Equal(t, "[Service]\nType=simple\n", string(f.Bytes()))
	require.Equal(t, "[Service]\nType=notify\n", string(g.Bytes()))
}

func TestDropInEditOnExistingFile(t *testing.T) {
	old := []byte("# ours\n[Service]\nEnvironment=\"A=1\" \"HTTP_PROXY=old\" B=2\nExecStart=\nExecStart=/bin/old\n")
	d := systemdunit.DropIn{
		Environment: []string{"HTTP_PROXY=new"},
		Unset:       []string{"B"},
		ExecStart:   []systemdunit.Command{{Argv: []string{"/bin/new", "x"}}},
	}
	out, err := d.Edit(old)
	require.NoError(t, err)
	require.Equal(t, "# ours\n[Service]\nEnvironment=\"A=1\"\nEnvironment=\"HTTP_PROXY=new\"\nExecStart=\nExecStart=/bin/new x\n", string(out))
	again, err := d.Edit(out)
	require.NoError(t, err)
	require.Equal(t, string(out), string(again))
}

func TestDropInEditRefusesWhatItCannotRead(t *testing.T) {
	out, err := systemdunit.DropIn{Environment: []string{"A=1"}}.Edit([]byte("[Service\n"))
	require.ErrorIs(t, err, systemdunit.ErrSyntax)
	require.Nil(t, out)
	out, err = systemdunit.DropIn{Environment: []string{"1A=1"}}.Edit(nil)
	require.ErrorIs(t, err, systemdunit.ErrUnwritable)
	require.Nil(t, out)
}

func TestDropInPath(t *testing.T) {
	p, err := systemdunit.DropInPath("docker.service", "http-proxy")
	require.NoError(t, err)
	require.Equal(t, "etc/systemd/system/docker.service.d/http-proxy.conf", p)
	p, err = systemdunit.DropInPath("getty@tty1.service", "10-proxy.conf")
	require.NoError(t, err)
	require.Equal(t, "etc/systemd/system/getty@tty1.service.d/10-proxy.conf", p)
	p, err = systemdunit.DropInPath("getty@tty@1.service", "10-proxy.conf")
	require.NoError(t, err, "systemd accepts '@' in an instance name")
	require.Equal(t, "etc/systemd/system/getty@tty@1.service.d/10-proxy.conf", p)
	p, err = systemdunit.DropInPath("a@b@.service", "x")
	require.NoError(t, err, "an instance that ends in '@'")
	require.Equal(t, "etc/systemd/system/a@b@.service.d/x.conf", p)
	p, err = systemdunit.DropInPathIn("run/systemd/system", "docker.service", "http-proxy")
	require.NoError(t, err)
	require.Equal(t, "run/systemd/system/docker.service.d/http-proxy.conf", p)
	_, err = systemdunit.DropInPathIn("tmp", "docker.service", "x")
	require.ErrorIs(t, err, systemdunit.ErrUnitName)
	p, err = systemdunit.DropInPath(`dev-disk-by\x2dlabel-data.mount`, "x")
	require.NoError(t, err)
	require.Equal(t, `etc/systemd/system/dev-disk-by\x2dlabel-data.mount.d/x.conf`, p)
	for _, bad := range [][2]string{{"docker", "x"}, {"@.service", "x"}, {"a@b c.service", "x"}, {"a.bogus", "x"}, {"../x.service", "x"}, {"a b.service", "x"}, {"docker.service", "../x"}, {"docker.service", ""}} {
		_, err := systemdunit.DropInPath(bad[0], bad[1])
		require.ErrorIs(t, err, systemdunit.ErrUnitName, "%q", bad)
	}
}
