package rootfs_test

import (
	"io/fs"
	"path"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/rootfs"
)

func link(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
}

func TestResolveAndTarget(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/ssl/certs/java/cacerts":    {Data: []byte("jks")},
		"usr/lib/jvm/jdk/lib/cacerts":   link("/etc/ssl/certs/java/cacerts"),
		"usr/lib/jvm/current":           link("jdk"),
		"etc/systemd/system/x.service":  link("/dev/null"),
		"escape":                        link("../../../../etc/ssl/certs/java/cacerts"),
		"loop/a":                        link("b"),
		"loop/b":                        link("a"),
		"dangling":                      link("/nowhere/file"),
		"etc/systemd/system/new.d/keep": {Data: []byte("x")},
	}
	for _, tt := range []struct {
		name, in        string
		resolve, target string // "" when an error is expected
		err             error
	}{
		{"plain file", "etc/ssl/certs/java/cacerts", "etc/ssl/certs/java/cacerts", "etc/ssl/certs/java/cacerts", nil},
		{"absolute link restarts at the root", "/usr/lib/jvm/jdk/lib/cacerts", "etc/ssl/certs/java/cacerts", "etc/ssl/certs/java/cacerts", nil},
		{"relative link in a directory", "usr/lib/jvm/current/lib/cacerts", "etc/ssl/certs/java/cacerts", "etc/ssl/certs/java/cacerts", nil},
		{".. stops at the root", "escape", "etc/ssl/certs/java/cacerts", "etc/ssl/certs/java/cacerts", nil},
		{"masked unit leads to dev/null", "etc/systemd/system/x.service", "", "dev/null", fs.ErrNotExist},
		{"dangling link", "dangling", "", "nowhere/file", fs.ErrNotExist},
		{"file to be created", "etc/systemd/system/new.d/ours.conf", "", "etc/systemd/system/new.d/ours.conf", fs.ErrNotExist},
		{"loop", "loop/a", "", "", rootfs.ErrTooManyLinks},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rootfs.Resolve(fsys, tt.in)
			if tt.resolve == "" {
				require.ErrorIs(t, err, tt.err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.resolve, got)
			}
			got, err = rootfs.Target(fsys, tt.in)
			if tt.target == "" {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.target, got)
		})
	}
}

func TestReadFileFollowsLinksAndBoundsTheSize(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/ssl/cert.pem":    {Data: []byte("0123456789")},
		"usr/lib/ssl/cert":    link("/etc/ssl/cert.pem"),
		"usr/lib/ssl/nowhere": link("/nope"),
	}
	p, b, err := rootfs.ReadFile(fsys, "usr/lib/ssl/cert", 10)
	require.NoError(t, err)
	assert.Equal(t, "etc/ssl/cert.pem", p)
	assert.Equal(t, "0123456789", string(b))
	_, _, err = rootfs.ReadFile(fsys, "usr/lib/ssl/cert", 9)
	require.ErrorIs(t, err, rootfs.ErrTooLarge)
	_, _, err = rootfs.ReadFile(fsys, "usr/lib/ssl/nowhere", 9)
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestGlobFollowsLinksInsideTheTree(t *testing.T) {
	fsys := fstest.MapFS{
		"usr/lib/jvm/java-17/lib/security/cacerts": {Data: []byte("jks")},
		"usr/lib/jvm/default":                      link("/usr/lib/jvm/java-17"),
		"usr/lib/jvm/broken":                       link("/nowhere"),
		"opt/escape":                               link("../../../../usr/lib/jvm"),
	}
	for _, tt := range []struct {
		name, pattern string
		want          []string
	}{
		{"through a link to a directory, names as matched", "usr/lib/jvm/*/lib/security/cacerts",
			[]string{"usr/lib/jvm/default/lib/security/cacerts", "usr/lib/jvm/java-17/lib/security/cacerts"}},
		{"a leading slash", "/usr/lib/jvm/java-*", []string{"usr/lib/jvm/java-17"}},
		{"a dangling link is no match", "usr/lib/jvm/b*", nil},
		{"a plain name that does not exist", "usr/lib/jvm/java-17/release", nil},
		{".. in a link stops at the root", "opt/escape/*", []string{"opt/escape/default", "opt/escape/java-17"}},
		{"no element: the root", "", []string{"."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rootfs.Glob(fsys, tt.pattern)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := rootfs.Glob(fsys, "usr/[")
	require.ErrorIs(t, err, path.ErrBadPattern)
}
