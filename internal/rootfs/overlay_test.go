package rootfs_test

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/rootfs"
)

func TestOverlay(t *testing.T) {
	base := fstest.MapFS{
		"etc/systemd/system/a.service": {Data: []byte("a")},
		"etc/systemd/system/c.service": {Data: []byte("c")},
		"opt/pkg--1/env":               {Data: []byte("old")},
		"opt/active/pkg":               link("/opt/pkg--1"),
	}
	planned := map[string][]byte{
		"etc/systemd/system/b.service":            []byte("b"),
		"etc/systemd/system/c.service":            []byte("new c"),
		"etc/systemd/system/x.service.d/new.conf": []byte("drop-in"),
		"/opt/active/pkg/env":                     []byte("new"), // written where the link leads
	}
	o := rootfs.Overlay(base, planned)
	planned["etc/systemd/system/b.service"][0] = 'X'
	for name, want := range map[string]string{
		"etc/systemd/system/a.service":            "a",
		"etc/systemd/system/b.service":            "b", // copied: the caller's later change does not show
		"etc/systemd/system/c.service":            "new c",
		"etc/systemd/system/x.service.d/new.conf": "drop-in",
		"opt/pkg--1/env":                          "new",
	} {
		b, err := fs.ReadFile(o, name)
		require.NoError(t, err, name)
		require.Equal(t, want, string(b), name)
	}
	_, b, err := rootfs.ReadFile(o, "opt/active/pkg/env", 100)
	require.NoError(t, err)
	require.Equal(t, "new", string(b), "read through the link")

	var names []string
	entries, err := fs.ReadDir(o, "etc/systemd/system")
	require.NoError(t, err)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"a.service", "b.service", "c.service", "x.service.d"}, names, "base's and the planned, sorted")
	fi, err := fs.Lstat(o, "etc/systemd/system/x.service.d")
	require.NoError(t, err)
	require.True(t, fi.IsDir(), "a planned file brings its directory")
	fi, err = fs.Lstat(o, "opt/active/pkg")
	require.NoError(t, err)
	require.Equal(t, fs.ModeSymlink, fi.Mode()&fs.ModeSymlink, "base's links stay links")
	_, err = fs.ReadFile(o, "etc/systemd/system/missing.service")
	require.ErrorIs(t, err, fs.ErrNotExist)
}
