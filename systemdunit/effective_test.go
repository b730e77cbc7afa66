package systemdunit_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/systemdunit"
)

func TestParseEnvironmentFile(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []string
	}{
		{"plain", "A=1\nB=two words\n", []string{"A=1", "B=two words"}},
		{"comments and blank lines", "# c\n; c\n\n  \nA=1\n", []string{"A=1"}},
		{"no equals sign ignored", "junk\nA=1\n", []string{"A=1"}},
		{"blanks around key and value dropped", "  A =  x y \t\r\n", []string{"A=x y"}},
		{"CRLF", "A=1\r\nB=2\r\n", []string{"A=1", "B=2"}},
		{"double quotes with escapes", `A="a \"q\" \$HOME \\ \x"` + "\n", []string{`A=a "q" $HOME \ \x`}},
		{"double quotes span lines", "A=\"one\ntwo\"\nB=3\n", []string{"A=one\ntwo", "B=3"}},
		{"single quotes verbatim", `A='a \n "b"'` + "\n", []string{`A=a \n "b"`}},
		{"unquoted backslash escapes", `A=a\ b\\c` + "\n", []string{`A=a b\c`}},
		{"line continuation", "A=one\\\ntwo\n", []string{"A=onetwo"}},
		{"quotes inside an unquoted value kept", `A=x"y"` + "\n", []string{`A=x"y"`}},
		{"later assignment replaces in place", "A=1\nB=2\nA=3\n", []string{"A=3", "B=2"}},
		{"invalid name dropped", "export A=1\n1A=2\nB=3\n", []string{"B=3"}},
		{"empty value", "A=\n", []string{"A="}},
		{"no final newline", "A=1", []string{"A=1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := systemdunit.ParseEnvironmentFile([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := systemdunit.ParseEnvironmentFile([]byte("A=\xff\n"))
	require.ErrorIs(t, err, systemdunit.ErrValue)
}

func FuzzParseEnvironmentFile(f *testing.F) {
	f.Add([]byte("A=1\n# c\nB=\"x\\\"y\"\nC='z'\n"))
	f.Add([]byte("A=one\\\ntwo"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := systemdunit.ParseEnvironmentFile(b)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, kv := range env {
			name, _, ok := cutEq(kv)
			if !ok || !systemdunit.ValidName(name) || seen[name] {
				t.Fatalf("bad assignment %q in %q", kv, env)
			}
			seen[name] = true
		}
	})
}

func cutEq(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func effectiveNode() fstest.MapFS {
	return fstest.MapFS{
		"usr/lib/systemd/system/app.service":                file("[Service]\nEnvironment=A=unit B=unit\nEnvironmentFile=-/etc/default/app\nExecStart=/usr/bin/app --unit\n"),
		"etc/systemd/system/app.service.d/10-ours.conf":     file("[Service]\nEnvironment=A=ours C=ours\nExecStart=\nExecStart=/usr/bin/app --ours\n"),
		"etc/systemd/system/app.service.d/20-later.conf":    file("[Service]\nEnvironment=C=later\nEnvironmentFile=/etc/app/missing.env\n"),
		"usr/lib/systemd/system/app.service.d/10-ours.conf": file("[Service]\nEnvironment=HIDDEN=1\n"),
		"etc/default/app": file("B=from-file\nD='quoted value'\n"),
	}
}

func TestEffectiveSaysWhichFileSetsEachValue(t *testing.T) {
	u, err := systemdunit.Load(effectiveNode(), "app.service")
	require.NoError(t, err)
	e, err := u.Effective(effectiveNode())
	require.NoError(t, err)
	assert.Equal(t, []string{
		"usr/lib/systemd/system/app.service",
		"etc/systemd/system/app.service.d/10-ours.conf",
		"etc/systemd/system/app.service.d/20-later.conf",
	}, e.Files)
	var got []string
	for _, v := range e.Environment {
		got = append(got, v.String()+" from "+v.File)
	}
	assert.Equal(t, []string{
		"A=ours from etc/systemd/system/app.service.d/10-ours.conf",
		"B=from-file from etc/default/app",
		"C=later from etc/systemd/system/app.service.d/20-later.conf",
		"D=quoted value from etc/default/app",
	}, got)
	b, ok := e.Lookup("B")
	require.True(t, ok)
	assert.True(t, b.FromEnvironmentFile)
	assert.Equal(t, []systemdunit.EnvironmentFile{
		{Path: "/etc/default/app", Optional: true, Unit: "usr/lib/systemd/system/app.service", Vars: []string{"B=from-file", "D=quoted value"}},
		{Path: "/etc/app/missing.env", Unit: "etc/systemd/system/app.service.d/20-later.conf", Missing: true},
	}, e.EnvironmentFiles)
	require.Len(t, e.ExecStart, 1)
	assert.Equal(t, []string{"/usr/bin/app", "--ours"}, e.ExecStart[0].Argv)
	assert.Equal(t, "etc/systemd/system/app.service.d/10-ours.conf", e.ExecStartFile)
	assert.Equal(t, []string{"A=ours", "B=from-file", "C=later", "D=quoted value"}, e.Env())
}

func TestWithDropInFollowsPrecedence(t *testing.T) {
	fsys := effectiveNode()
	u, err := systemdunit.Load(fsys, "app.service")
	require.NoError(t, err)
	names := func(u *systemdunit.Unit) []string {
		var out []string
		for _, f := range u.Files {
			out = append(out, f.Name)
		}
		return out
	}
	parse := func(p, s string) *systemdunit.File {
		f, err := systemdunit.ParseNamed(p, []byte(s))
		require.NoError(t, err)
		return f
	}
	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"replaces the same path", "etc/systemd/system/app.service.d/10-ours.conf",
			[]string{"usr/lib/systemd/system/app.service", "etc/systemd/system/app.service.d/10-ours.conf", "etc/systemd/system/app.service.d/20-later.conf"}},
		{"inserted by file name", "etc/systemd/system/app.service.d/15-new.conf",
			[]string{"usr/lib/systemd/system/app.service", "etc/systemd/system/app.service.d/10-ours.conf", "etc/systemd/system/app.service.d/15-new.conf", "etc/systemd/system/app.service.d/20-later.conf"}},
		{"hides a lower directory's drop-in", "etc/systemd/system.control/app.service.d/20-later.conf",
			[]string{"usr/lib/systemd/system/app.service", "etc/systemd/system/app.service.d/10-ours.conf", "etc/systemd/system.control/app.service.d/20-later.conf"}},
		{"hidden by a higher directory's drop-in", "usr/lib/systemd/system/app.service.d/20-later.conf",
			[]string{"usr/lib/systemd/system/app.service", "etc/systemd/system/app.service.d/10-ours.conf", "etc/systemd/system/app.service.d/20-later.conf"}},
		{"appended last", "etc/systemd/system/app.service.d/zz.conf",
			[]string{"usr/lib/systemd/system/app.service", "etc/systemd/system/app.service.d/10-ours.conf", "etc/systemd/system/app.service.d/20-later.conf", "etc/systemd/system/app.service.d/zz.conf"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := u.WithDropIn(parse(tt.path, "[Service]\nEnvironment=N=1\n"))
			assert.Equal(t, tt.want, names(w))
			assert.Len(t, u.Files, 3, "u is not changed")
		})
	}
}

func TestOverridesNameWhatHidesADropIn(t *testing.T) {
	fsys := fstest.MapFS{
		"usr/lib/systemd/system/docker.service":                 file("[Service]\nExecStart=/usr/bin/dockerd\n"),
		"etc/systemd/system/docker.service.d/10-sysconfig.conf": file("[Service]\nEnvironmentFile=-/etc/sysconfig/docker\n"),
		"etc/systemd/system/docker.service.d/proxy.conf":        file("[Service]\nEnvironment=HTTP_PROXY=http://old:1 NO_PROXY=x OTHER=1\n"),
		"etc/systemd/system/docker.service.d/zz-exec.conf":      file("[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd://\n"),
		"etc/systemd/system/docker.service.d/a-early.conf":      file("[Service]\nEnvironment=HTTP_PROXY=http://early:1\n"),
		"etc/sysconfig/docker":                                  file("OPTIONS=--selinux-enabled\nhttps_proxy=http://old:1\n"),
	}
	u, err := systemdunit.Load(fsys, "docker.service")
	require.NoError(t, err)
	e, err := u.Effective(fsys)
	require.NoError(t, err)
	keys := []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"}
	assert.Equal(t, []systemdunit.Override{
		{File: "etc/systemd/system/docker.service.d/proxy.conf", Keys: []string{"HTTP_PROXY", "NO_PROXY"}},
		{File: "etc/systemd/system/docker.service.d/zz-exec.conf", ExecStart: true},
		{File: "etc/sysconfig/docker", Keys: []string{"https_proxy"}, EnvironmentFile: true},
	}, e.Overrides("http-proxy.conf", keys, true))
	assert.Equal(t, []systemdunit.Override{
		{File: "etc/systemd/system/docker.service.d/proxy.conf", Keys: []string{"HTTP_PROXY", "NO_PROXY"}},
		{File: "etc/sysconfig/docker", Keys: []string{"https_proxy"}, EnvironmentFile: true},
	}, e.Overrides("http-proxy.conf", keys, false), "ExecStart= not asked about")
}

func TestFindListsUnitsAcrossDirectories(t *testing.T) {
	fsys := fstest.MapFS{
		"usr/lib/systemd/system/dcos-a.service": file("[Service]\nExecStart=/bin/a\n"),
		"etc/systemd/system/dcos-a.service":     link("/usr/lib/systemd/system/dcos-a.service"),
		"etc/systemd/system/dcos-b.service":     link("/opt/pkg/dcos-b.service"),
		"run/systemd/system/dcos-c.socket":      file("[Socket]\n"),
		"etc/systemd/system/other.service":      file("[Service]\n"),
		"lib":                                   link("usr/lib"),
	}
	names, err := systemdunit.Find(fsys, "dcos-*.service")
	require.NoError(t, err)
	assert.Equal(t, []string{"dcos-a.service", "dcos-b.service"}, names)
	_, err = systemdunit.Find(fsys, "[")
	require.Error(t, err)
}
