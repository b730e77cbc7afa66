package truststore_test

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

// TestDiscoverConda: an installation is a prefix with conda-meta/, found
// through links inside the root; its .condarc's ssl_verify adds the bundle
// it names when it names a file.
func TestDiscoverConda(t *testing.T) {
	dir := func() *fstest.MapFile { return &fstest.MapFile{Mode: fs.ModeDir | 0o755} }
	link := func(to string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(to), Mode: fs.ModeSymlink | 0o777}
	}
	tests := []struct {
		name     string
		fsys     fstest.MapFS
		prefixes []string
		want     []truststore.Conda
	}{
		{"none", fstest.MapFS{"opt/other/bin/x": {}}, nil, nil},
		{"no conda-meta: not an installation", fstest.MapFS{"opt/conda/ssl/cacert.pem": {}}, nil, nil},
		{"base", fstest.MapFS{"opt/conda/conda-meta": dir()}, nil, []truststore.Conda{{
			Prefix: "opt/conda", Condarc: "opt/conda/.condarc", Bundles: bundles("opt/conda")}}},
		{"users' miniconda and /conda, in the order of the prefixes",
			fstest.MapFS{"home/bob/miniconda3/conda-meta": dir(), "home/alice/miniconda3/conda-meta": dir(), "conda/conda-meta": dir()}, nil,
			[]truststore.Conda{
				{Prefix: "conda", Condarc: "conda/.condarc", Bundles: bundles("conda")},
				{Prefix: "home/alice/miniconda3", Condarc: "home/alice/miniconda3/.condarc", Bundles: bundles("home/alice/miniconda3")},
				{Prefix: "home/bob/miniconda3", Condarc: "home/bob/miniconda3/.condarc", Bundles: bundles("home/bob/miniconda3")},
			}},
		{"reached through an absolute link", fstest.MapFS{"opt/conda": link("/srv/conda"), "srv/conda/conda-meta": dir()}, nil,
			[]truststore.Conda{{Prefix: "opt/conda", Condarc: "opt/conda/.condarc", Bundles: bundles("opt/conda")}}},
		{"ssl_verify names a bundle", fstest.MapFS{"opt/conda/conda-meta": dir(),
			"opt/conda/.condarc": {Data: []byte("channels: [defaults]\nssl_verify: /etc/corp/../corp/ca.pem\n")}}, nil,
			[]truststore.Conda{{Prefix: "opt/conda", Condarc: "opt/conda/.condarc", Bundles: append(bundles("opt/conda"), "etc/corp/ca.pem")}}},
		{"ssl_verify true, or a .condarc that is not YAML: no bundle", fstest.MapFS{
			"opt/conda/conda-meta": dir(), "opt/conda/.condarc": {Data: []byte("ssl_verify: true\n")},
			"opt/miniconda3/conda-meta": dir(), "opt/miniconda3/.condarc": {Data: []byte("ssl_verify: [\n")}}, nil,
			[]truststore.Conda{
				{Prefix: "opt/conda", Condarc: "opt/conda/.condarc", Bundles: bundles("opt/conda")},
				{Prefix: "opt/miniconda3", Condarc: "opt/miniconda3/.condarc", Bundles: bundles("opt/miniconda3")},
			}},
		{"prefixes given", fstest.MapFS{"opt/conda/conda-meta": dir(), "srv/py/conda-meta": dir()}, []string{"/srv/*"},
			[]truststore.Conda{{Prefix: "srv/py", Condarc: "srv/py/.condarc", Bundles: bundles("srv/py")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := truststore.DiscoverConda(tt.fsys, tt.prefixes)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	_, err := truststore.DiscoverConda(fstest.MapFS{}, []string{"opt/["})
	require.Error(t, err, "a malformed pattern")
}

func bundles(prefix string) []string {
	var out []string
	for _, b := range truststore.DefaultCondaBundles() {
		out = append(out, prefix+"/"+b)
	}
	return out
}

func ExampleDiscoverConda() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"opt/miniconda3/conda-meta/history": {},
		"opt/miniconda3/.condarc":           {Data: []byte("ssl_verify: /etc/ssl/corp-bundle.pem\n")},
		"opt/miniconda3/ssl/cacert.pem":     {Data: []byte(proxyCAPEM)},
		"etc/ssl/corp-bundle.pem":           {Data: []byte(proxyCAPEM)},
	}
	condas, err := truststore.DiscoverConda(node, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range condas {
		fmt.Println(c.Prefix, "reads", c.Condarc)
		// The bundles that exist, for the CA.
		stores, err := truststore.Discover(node, truststore.Discovery{Bundles: c.Bundles})
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, s := range stores {
			fmt.Printf("%s: %s\n", s.Kind, s.Path)
		}
	}
	// Output:
	// opt/miniconda3 reads opt/miniconda3/.condarc
	// PEM bundle: opt/miniconda3/ssl/cacert.pem
	// PEM bundle: etc/ssl/corp-bundle.pem
}

// TestPublicRoots: a conda installation's bundle first (the containers'
// conda bundle is certifi's too), else the system bundle, else none.
func TestPublicRoots(t *testing.T) {
	dir := &fstest.MapFile{Mode: fs.ModeDir | 0o755}
	debian := func(m fstest.MapFS) fstest.MapFS {
		m["etc/os-release"] = &fstest.MapFile{Data: []byte("ID=debian\n")}
		m["etc/ssl/certs/ca-certificates.crt"] = &fstest.MapFile{Data: []byte("system")}
		return m
	}
	tests := []struct {
		name     string
		fsys     fstest.MapFS
		wantPath string
	}{
		{"conda's first", debian(fstest.MapFS{"opt/conda/conda-meta": dir, "opt/conda/ssl/cacert.pem": {Data: []byte("conda")}}), "opt/conda/ssl/cacert.pem"},
		{"a conda without its bundle: the system's", debian(fstest.MapFS{"opt/conda/conda-meta": dir}), "etc/ssl/certs/ca-certificates.crt"},
		{"not a conda installation: the system's", debian(fstest.MapFS{"opt/conda/ssl/cacert.pem": {Data: []byte("conda")}}), "etc/ssl/certs/ca-certificates.crt"},
		{"none", fstest.MapFS{"etc/hostname": {Data: []byte("x\n")}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, b, ok := truststore.PublicRoots(tt.fsys)
			require.Equal(t, tt.wantPath, p)
			require.Equal(t, tt.wantPath != "", ok)
			if ok {
				require.Equal(t, tt.fsys[p].Data, b)
			}
		})
	}
}

// TestCondaBundleGlobs: every bundle of every prefix, the image's /conda
// among them.
func TestCondaBundleGlobs(t *testing.T) {
	got := truststore.CondaBundleGlobs()
	require.Len(t, got, len(truststore.DefaultCondaPrefixes())*len(truststore.DefaultCondaBundles()))
	require.Contains(t, got, "conda/ssl/cacert.pem")
	require.Contains(t, got, "home/*/miniforge*/envs/*/lib/python3*/site-packages/certifi/cacert.pem")
}

// FuzzCondarcSSLVerify: whatever a .condarc holds, discovery finds the
// installation, and a bundle its ssl_verify names is a clean path inside
// the root.
func FuzzCondarcSSLVerify(f *testing.F) {
	f.Add([]byte("ssl_verify: /etc/ssl/corp.pem\n"))
	f.Add([]byte("ssl_verify: true\n"))
	f.Add([]byte("ssl_verify: /../../etc/../x.pem\n"))
	f.Fuzz(func(t *testing.T, rc []byte) {
		fsys := fstest.MapFS{"opt/conda/conda-meta": {Mode: fs.ModeDir | 0o755}, "opt/conda/.condarc": {Data: rc}}
		got, err := truststore.DiscoverConda(fsys, nil)
		if err != nil || len(got) != 1 {
			t.Fatalf("DiscoverConda = %v, %v", got, err)
		}
		n := len(truststore.DefaultCondaBundles())
		if len(got[0].Bundles) > n {
			b := got[0].Bundles[n]
			if b == "" || strings.HasPrefix(b, "/") || b == ".." || strings.HasPrefix(b, "../") || path.Clean(b) != b {
				t.Fatalf("ssl_verify bundle %q is not a clean root-relative path", b)
			}
		}
	})
}
