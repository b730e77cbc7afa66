package systemdunit_test

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

func link(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"usr/lib/systemd/system/docker.service":                   file("[Service]\nExecStart=/usr/bin/dockerd\nEnvironment=A=1\n"),
		"etc/systemd/system/docker.service.d/http-proxy.conf":     file("[Service]\nEnvironment=HTTP_PROXY=http://p:3128\n"),
		"usr/lib/systemd/system/docker.service.d/http-proxy.conf": file("[Service]\nEnvironment=HTTP_PROXY=hidden\n"),
		"run/systemd/system/docker.service.d/00-first.conf":       file("[Service]\nEnvironment=A=2\n"),
		"etc/systemd/system/docker.service.d/zz-linked.conf":      link("/opt/proxy/dropin.conf"),
		"opt/proxy/dropin.conf":                                   file("[Service]\nEnvironment=L=1\n"),
		"etc/systemd/system/docker.service.d/masked.conf":         link("/dev/null"),
		"usr/lib/systemd/system/docker.service.d/masked.conf":     file("[Service]\nEnvironment=M=1\n"),
		"etc/systemd/system/docker.service.d/README":              file("not a drop-in"),
		"etc/systemd/system/empty.service":                        file(""),
		"etc/systemd/system/nulled.service":                       link("/dev/null"),
		"usr/lib/systemd/system/getty@.service":                   file("[Service]\nExecStart=/sbin/agetty %I\n"),
		"etc/systemd/system/orphan.service.d/x.conf":              file("[Service]\nEnvironment=O=1\n"),
		"etc/systemd/system/aliased.service":                      link("../../../usr/lib/systemd/system/docker.service"),
	}
	u, err := systemdunit.Load(fsys, "docker.service")
	require.NoError(t, err)
	var names []string
	for _, f := range u.Files {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{
		"usr/lib/systemd/system/docker.service",
		"run/systemd/system/docker.service.d/00-first.conf",
		"etc/systemd/system/docker.service.d/http-proxy.conf",
		"etc/systemd/system/docker.service.d/masked.conf",
		"etc/systemd/system/docker.service.d/zz-linked.conf",
	}, names)
	env, err := u.Environment()
	require.NoError(t, err)
	require.Equal(t, []string{"A=2", "HTTP_PROXY=http://p:3128", "L=1"}, env)

	_, err = systemdunit.Load(fsys, "empty.service")
	require.ErrorIs(t, err, systemdunit.ErrMasked)
	_, err = systemdunit.Load(fsys, "nulled.service")
	require.ErrorIs(t, err, systemdunit.ErrMasked)
	o, err := systemdunit.Load(fsys, "orphan.service")
	require.ErrorIs(t, err, systemdunit.ErrNotFound)
	require.Len(t, o.Files, 1, "drop-ins of a unit without a file are still returned")
	_, err = systemdunit.Load(fsys, "nothing.service")
	require.ErrorIs(t, err, systemdunit.ErrNotFound)
	_, err = systemdunit.Load(fsys, "../etc")
	require.ErrorIs(t, err, systemdunit.ErrUnitName)

	g, err := systemdunit.Load(fsys, "getty@tty1.service")
	require.NoError(t, err)
	cmds, err := g.Commands("ExecStart")
	require.NoError(t, err)
	require.Equal(t, []string{"/sbin/agetty", "tty1"}, cmds[0].Argv)

	a, err := systemdunit.Load(fsys, "aliased.service")
	require.NoError(t, err)
	cmds, err = a.Commands("ExecStart")
	require.NoError(t, err)
	require.Equal(t, []string{"/usr/bin/dockerd"}, cmds[0].Argv)
}

func TestDropInDirsOrder(t *testing.T) {
	dirs := systemdunit.DropInDirs("foo-bar@x.service")
	require.Equal(t, []string{
		"etc/systemd/system.control/foo-bar@x.service.d",
		"etc/systemd/system.control/foo-bar@.service.d",
		"etc/systemd/system.control/foo-.service.d",
		"etc/systemd/system.control/service.d",
	}, dirs[:4])
	require.Len(t, dirs, 4*len(systemdunit.UnitDirs))
}
