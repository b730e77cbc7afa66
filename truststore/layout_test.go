package truststore_test

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/proxykit/proxykit/truststore"
	"github.com/stretchr/testify/require"
)

func TestDetectLayout(t *testing.T) {
	osRelease := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	cases := []struct {
		name string
		fs   fstest.MapFS
		want string // family, "" for none
	}{
		{"debian by ID", fstest.MapFS{"etc/os-release": osRelease("PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n")}, "debian"},
		{"ubuntu by ID", fstest.MapFS{"etc/os-release": osRelease("ID=ubuntu\nID_LIKE=debian\n")}, "debian"},
		{"rocky by ID", fstest.MapFS{"etc/os-release": osRelease("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n")}, "rhel"},
		{"unknown ID, known ID_LIKE", fstest.MapFS{"etc/os-release": osRelease("ID=\"myrhel\"\nID_LIKE=\"rhel fedora\"\n")}, "rhel"},
		{"opensuse-leap", fstest.MapFS{"etc/os-release": osRelease("ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n")}, "suse"},
		{"alpine", fstest.MapFS{"etc/os-release": osRelease("ID=alpine\n")}, "alpine"},
		{"usr/lib/os-release through a symlink", fstest.MapFS{
			"etc/os-release":     &fstest.MapFile{Data: []byte("../usr/lib/os-release"), Mode: fs.ModeSymlink | 0o777},
			"usr/lib/os-release": osRelease("ID=fedora\n"),
		}, "rhel"},
		{"no os-release, tree markers", fstest.MapFS{"etc/pki/ca-trust/source/anchors/.keep": {}}, "rhel"},
		{"alpine without os-release, with update-ca-certificates", fstest.MapFS{
			"etc/alpine-release":              osRelease("3.20.0\n"),
			"usr/sbin/update-ca-certificates": osRelease("#!/bin/sh\n"),
		}, "alpine"},
		{"nothing known", fstest.MapFS{"etc/hostname": osRelease("x\n")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, ok := truststore.DetectLayout(tc.fs)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, l.Family)
		})
	}
}

func TestLayoutsAreData(t *testing.T) {
	ls := truststore.Layouts()
	ls[0].AnchorDir = "changed"
	require.Equal(t, "usr/local/share/ca-certificates", truststore.Layouts()[0].AnchorDir, "Layouts returns a copy")
	deb := truststore.Layouts()[0]
	require.Equal(t, "usr/local/share/ca-certificates/corp-proxy.crt", deb.AnchorPath("corp-proxy"))
	require.Equal(t, []string{"update-ca-certificates"}, deb.Update)
	require.True(t, deb.Regenerates("etc/ssl/certs/java/cacerts"))
	for _, l := range truststore.Layouts() {
		require.NotEmpty(t, l.Update, l.Family)
		require.NotEmpty(t, l.AnchorDir, l.Family)
	}
}
