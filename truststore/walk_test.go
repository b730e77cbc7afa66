package truststore_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

// TestWalkFindsDCOSBundlesWhereTheyAre plans on a tree that has exactly the
// four bundles DC/OS's proxy notes name, at their exact paths, besides
// decoys: the walk of DCOSBundleRoots finds all four by name and content,
// each once though active/ links (and a loop) reach them again, and reports
// the cacert.pem that is not PEM with its problem.
func TestWalkFindsDCOSBundlesWhereTheyAre(t *testing.T) {
	bundle := file(testCA(t, "Alpha Root CA").PEM())
	const pkgs = "opt/mesosphere/packages/"
	fsys := fstest.MapFS{
		"etc/os-release": file([]byte("ID=centos\nID_LIKE=\"rhel fedora\"\n")),
		pkgs + "python--5f7a1e3c/lib/python3.4/site-packages/pip/_vendor/requests/cacert.pem":                      bundle,
		pkgs + "python-requests--8b2c9d0e/lib/python3.4/site-packages/requests/cacert.pem":                         bundle,
		pkgs + "dcos-image-deps--1d4e6f7a/lib/python3.4/site-packages/websocket/cacert.pem":                        bundle,
		pkgs + "boto--9c0b1a2d/lib/python3.4/site-packages/botocore/vendored/requests/cacert.pem":                  bundle,
		pkgs + "boto--9c0b1a2d/lib/python3.4/site-packages/botocore/vendored/requests/__pycache__/cacert.pem":      bundle, // never entered
		pkgs + "dcos-image-deps--1d4e6f7a/lib/python3.4/site-packages/websocket/tests/data/cacert.pem":             file([]byte("not a certificate\n")),
		pkgs + "python--5f7a1e3c/lib/python3.4/site-packages/pip/_vendor/requests/README.rst":                      file([]byte("docs\n")),
		"opt/mesosphere/active/python-requests":                                                                    link("/opt/mesosphere/packages/python-requests--8b2c9d0e"),
		"opt/mesosphere/active/boto":                                                                               link("../packages/boto--9c0b1a2d"),
		"opt/mesosphere/packages/dcos-image-deps--1d4e6f7a/lib/python3.4/site-packages/loop":                       link("/opt/mesosphere/packages"),
		"opt/mesosphere/packages/dcos-image-deps--1d4e6f7a/lib/python3.4/site-packages/websocket/outside/link.pem": link("/../../etc/passwd"),
	}
	stores, err := truststore.Discover(fsys, truststore.Discovery{BundleRoots: append(truststore.DCOSBundleRoots(), "opt/mesosphere/active")})
	require.NoError(t, err)
	require.Equal(t, []string{
		"system store etc/pki/ca-trust/source/anchors by update-ca-trust extract",
		"PEM bundle " + pkgs + "boto--9c0b1a2d/lib/python3.4/site-packages/botocore/vendored/requests/cacert.pem",
		"PEM bundle " + pkgs + "dcos-image-deps--1d4e6f7a/lib/python3.4/site-packages/websocket/cacert.pem",
		"PEM bundle " + pkgs + "dcos-image-deps--1d4e6f7a/lib/python3.4/site-packages/websocket/tests/data/cacert.pem PROBLEM",
		"PEM bundle " + pkgs + "python--5f7a1e3c/lib/python3.4/site-packages/pip/_vendor/requests/cacert.pem",
		"PEM bundle " + pkgs + "python-requests--8b2c9d0e/lib/python3.4/site-packages/requests/cacert.pem",
	}, summary(stores))
}

// TestJDKsFoundWhereVendorsUnpackThem finds keystores of JDKs unpacked one
// or two levels under /usr/local and /opt, and of a JAVA_HOME given.
func TestJDKsFoundWhereVendorsUnpackThem(t *testing.T) {
	jks := file(readKeystore(t, "debian-cacerts.jks"))
	fsys := fstest.MapFS{
		"usr/local/jdk1.8.0_202/jre/lib/security/cacerts":     jks,
		"usr/local/java/jdk-17.0.9/lib/security/cacerts":      jks,
		"opt/vendor/jre/lib/security/cacerts":                 jks,
		"opt/zulu/zulu11/lib/security/cacerts":                jks,
		"srv/apps/jre8/lib/security/cacerts":                  jks,
		"usr/local/lib/python3.11/site-packages/x/cacert.pem": file(testCA(t, "Alpha Root CA").PEM()),
	}
	stores, err := truststore.Discover(fsys, truststore.Discovery{JavaHomes: []string{"/srv/apps/jre8"}})
	require.NoError(t, err)
	require.Equal(t, []string{
		"Java keystore usr/local/jdk1.8.0_202/jre/lib/security/cacerts [JKS]",
		"Java keystore usr/local/java/jdk-17.0.9/lib/security/cacerts [JKS]",
		"Java keystore opt/vendor/jre/lib/security/cacerts [JKS]",
		"Java keystore opt/zulu/zulu11/lib/security/cacerts [JKS]",
		"Java keystore srv/apps/jre8/lib/security/cacerts [JKS]",
	}, summary(stores))
}

// TestWalkIsBounded: the walk stops after MaxWalkEntries entries and says
// so as a store with a problem, keeping what it found.
func TestWalkIsBounded(t *testing.T) {
	fsys := fstest.MapFS{"opt/conda/ssl/cacert.pem": file(testCA(t, "Alpha Root CA").PEM())}
	for i := range truststore.MaxWalkEntries + 1 {
		fsys[fmt.Sprintf("opt/conda/pkgs/f%06d", i)] = file(nil)
	}
	stores, err := truststore.Discover(fsys, truststore.Discovery{BundleRoots: []string{"opt/conda"}})
	require.NoError(t, err)
	require.Len(t, stores, 1)
	require.Equal(t, "opt/conda", stores[0].Path)
	require.Contains(t, stores[0].Problem, "walk stopped after")
}

// TestWalkOnDisk walks a real directory, where subdirectories are opened
// relative to their parent and listed from their descriptor: the same four
// bundles are found, a link that leads out of the root is followed inside
// it, and the decoys (a bundle under bin/, other files, a pipe, a loop)
// are passed over. It walks through os.DirFS and os.Root's file system,
// through a file system that hands out no open directory (each is listed
// by its path), and with every entry's type unknown, as file systems that
// do not report types list them: each entry is then asked about.
func TestWalkOnDisk(t *testing.T) {
	root := t.TempDir()
	pem := testCA(t, "Alpha Root CA").PEM()
	const pkgs = "opt/mesosphere/packages/"
	for _, p := range []string{
		pkgs + "python--5f7a/lib/python3.4/site-packages/pip/_vendor/requests/cacert.pem",
		pkgs + "python-requests--8b2c/lib/python3.4/site-packages/requests/cacert.pem",
		pkgs + "dcos-image-deps--1d4e/lib/python3.4/site-packages/websocket/cacert.pem",
		pkgs + "boto--9c0b/lib/python3.4/site-packages/botocore/vendored/requests/cacert.pem",
		pkgs + "boto--9c0b/bin/cacert.pem", // never entered
		"etc/cacert.pem",
	} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), pem, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, pkgs+"boto--9c0b/lib/python3.4/site-packages/botocore/vendored/requests/api.py"), []byte("x\n"), 0o644))
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, pkgs+"python--5f7a/lib/cacert.pem"), 0o644))
	// Absolute: resolved inside the root, to its etc/, not the host's.
	require.NoError(t, os.Symlink("/etc", filepath.Join(root, pkgs+"boto--9c0b/lib/etc")))
	require.NoError(t, os.Symlink("../..", filepath.Join(root, pkgs+"boto--9c0b/lib/loop")))
	osRoot, err := os.OpenRoot(root)
	require.NoError(t, err)
	t.Cleanup(func() { osRoot.Close() })
	for _, c := range []struct {
		name  string
		fsys  fs.FS
		setup func(testing.TB)
	}{
		{"os.DirFS", os.DirFS(root), nil},
		{"os.Root", osRoot.FS(), nil},
		{"listed by path", listedByPath{os.DirFS(root).(fs.ReadLinkFS)}, nil},
		{"types unknown", os.DirFS(root), truststore.WalkWithTypesUnknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup(t)
			}
			stores, err := truststore.Discover(c.fsys, truststore.Discovery{BundleRoots: []string{"opt/mesosphere/packages"}})
			require.NoError(t, err)
			require.Equal(t, []string{
				"PEM bundle " + pkgs + "boto--9c0b/lib/etc/cacert.pem -> etc/cacert.pem",
				"PEM bundle " + pkgs + "boto--9c0b/lib/python3.4/site-packages/botocore/vendored/requests/cacert.pem",
				"PEM bundle " + pkgs + "dcos-image-deps--1d4e/lib/python3.4/site-packages/websocket/cacert.pem",
				"PEM bundle " + pkgs + "python--5f7a/lib/python3.4/site-packages/pip/_vendor/requests/cacert.pem",
				"PEM bundle " + pkgs + "python-requests--8b2c/lib/python3.4/site-packages/requests/cacert.pem",
			}, summary(stores))
		})
	}
}

// listedByPath hands out files that are not *os.File, so the walk lists
// every directory by its path.
type listedByPath struct{ fs.ReadLinkFS }

func (l listedByPath) Open(name string) (fs.File, error) {
	f, err := l.ReadLinkFS.Open(name)
	if err != nil {
		return nil, err
	}
	return struct{ fs.ReadDirFile }{f.(fs.ReadDirFile)}, nil
}

// BenchmarkWalkManyPackages walks 200 packages of 50 files each (10,000
// files, 1,400 directories) on disk, the tree dcos-node's
// BenchmarkPlanManyPackages adds to the sample node, with no bundle in it.
func BenchmarkWalkManyPackages(b *testing.B) {
	root := b.TempDir()
	for i := range 200 {
		pkg := filepath.Join(root, "opt/mesosphere/packages", fmt.Sprintf("extra-%03d--%040x", i, i))
		for j := range 50 {
			var p string
			switch j % 5 {
			case 0:
				p = filepath.Join(pkg, "bin", fmt.Sprintf("tool%d", j))
			case 1:
				p = filepath.Join(pkg, "lib", fmt.Sprintf("lib%d.so", j))
			default:
				p = filepath.Join(pkg, "lib/python3.6/site-packages", fmt.Sprintf("extra%03d", i), fmt.Sprintf("sub%d", j%3), fmt.Sprintf("m%d.py", j))
			}
			require.NoError(b, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(b, os.WriteFile(p, []byte("x\n"), 0o644))
		}
	}
	fsys := os.DirFS(root)
	b.ReportAllocs()
	for b.Loop() {
		stores, err := truststore.Discover(fsys, truststore.Discovery{BundleRoots: []string{"opt/mesosphere/packages"}})
		if err != nil || len(stores) != 0 {
			b.Fatal(stores, err)
		}
	}
}
