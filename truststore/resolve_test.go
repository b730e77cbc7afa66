package truststore_test

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/proxykit/proxykit/truststore"
	"github.com/stretchr/testify/require"
)

func TestResolveStaysInsideRoot(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/ssl/certs/java/cacerts":  file([]byte("jks")),
		"usr/lib/jvm/jdk/cacerts-abs": link("/etc/ssl/certs/java/cacerts"),
		"usr/lib/jvm/jdk/cacerts-rel": link("../../../../etc/ssl/certs/java/cacerts"),
		"usr/lib/jvm/jdk/cacerts-up":  link("../../../../../../../../etc/ssl/certs/java/cacerts"),
		"usr/lib/jvm/default":         link("jdk"),
		"usr/lib/jvm/abs-dir":         link("/usr/lib/jvm/jdk"),
		"chain/a":                     link("b"),
		"chain/b":                     link("/chain/c"),
		"chain/c":                     link("../etc/ssl/certs/java/cacerts"),
		"loop/a":                      link("b"),
		"loop/b":                      link("a"),
		"self":                        link("self"),
		"dangling":                    link("/nowhere"),
		"etc/ssl/cert.pem":            link("certs/java/cacerts"),
		"dotdot/x":                    link(".."),
	}
	cases := []struct {
		name, in, want string
		err            error
	}{
		{"plain file", "etc/ssl/certs/java/cacerts", "etc/ssl/certs/java/cacerts", nil},
		{"absolute link restarts at the root", "usr/lib/jvm/jdk/cacerts-abs", "etc/ssl/certs/java/cacerts", nil},
		{"relative link", "usr/lib/jvm/jdk/cacerts-rel", "etc/ssl/certs/java/cacerts", nil},
		{"dot-dot stops at the root", "usr/lib/jvm/jdk/cacerts-up", "etc/ssl/certs/java/cacerts", nil},
		{"link in a directory element", "usr/lib/jvm/default/cacerts-abs", "etc/ssl/certs/java/cacerts", nil},
		{"absolute link to a directory", "usr/lib/jvm/abs-dir/cacerts-rel", "etc/ssl/certs/java/cacerts", nil},
		{"chain of links", "chain/a", "etc/ssl/certs/java/cacerts", nil},
		{"link relative to its own directory", "etc/ssl/cert.pem", "etc/ssl/certs/java/cacerts", nil},
		{"link to parent then down", "dotdot/x/etc/ssl/cert.pem", "etc/ssl/certs/java/cacerts", nil},
		{"directory", "usr/lib/jvm/default", "usr/lib/jvm/jdk", nil},
		{"loop", "loop/a", "", fs.ErrInvalid},
		{"self loop", "self", "", fs.ErrInvalid},
		{"dangling", "dangling", "", fs.ErrNotExist},
		{"missing", "etc/missing", "", fs.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := truststore.Resolve(fsys, tc.in)
			if tc.err == fs.ErrInvalid {
				require.ErrorContains(t, err, "too many levels of symbolic links")
				return
			}
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
