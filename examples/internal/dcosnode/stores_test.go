package dcosnode

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// addPackages adds n pkgpanda packages of files files each to the node
// under root, laid out as DC/OS lays out a Python package (bin/, a library,
// site-packages with modules), each linked from active/.
func addPackages(tb testing.TB, root string, n, files int) {
	tb.Helper()
	for i := range n {
		name := fmt.Sprintf("extra-%03d", i)
		pkg := filepath.Join(root, "opt/mesosphere/packages", fmt.Sprintf("%s--%040x", name, i))
		for j := range files {
			var p string
			switch j % 5 {
			case 0:
				p = filepath.Join(pkg, "bin", fmt.Sprintf("tool%d", j))
			case 1:
				p = filepath.Join(pkg, "lib", fmt.Sprintf("lib%d.so", j))
			default:
				p = filepath.Join(pkg, "lib/python3.6/site-packages", name, fmt.Sprintf("sub%d", j%3), fmt.Sprintf("m%d.py", j))
			}
			require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(tb, os.WriteFile(p, []byte("x\n"), 0o644))
		}
		require.NoError(tb, os.Symlink("/opt/mesosphere/packages/"+filepath.Base(pkg), filepath.Join(root, "opt/mesosphere/active", name)))
	}
}

// BenchmarkPlanManyPackages plans the sample DC/OS master as it is, and with
// 200 more packages holding 10,000 more files, which the walk for bundles
// must go through: the second must stay within 1.5 times the first.
// "ratio" plans both, alternately, and reports the median of their
// ratios per round as "x" (with each plan's median time), which load on
// the machine moves less than two separate runs.
func BenchmarkPlanManyPackages(b *testing.B) {
	const pkgs, files = 200, 50 // 10,000 files
	planOf := func(b *testing.B, root string) func() {
		p := testProgram(plan.NoActions)
		args := sampleArgs(root, "plan")
		return func() {
			if code := p.Run(args, io.Discard, io.Discard); code != node.ExitPending {
				b.Fatalf("plan exited %d", code)
			}
		}
	}
	for _, c := range []struct {
		name        string
		pkgs, files int
	}{{"sample", 0, 0}, {"200pkgs-10000files", pkgs, files}} {
		b.Run(c.name, func(b *testing.B) {
			root := sampleRoot(b)
			addPackages(b, root, c.pkgs, c.files)
			run := planOf(b, root)
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		})
	}
	b.Run("ratio", func(b *testing.B) {
		large := sampleRoot(b)
		addPackages(b, large, pkgs, files)
		runs := []func(){planOf(b, sampleRoot(b)), planOf(b, large)}
		var took [2][]float64
		for i := 0; b.Loop(); i++ {
			for k := range 2 {
				k ^= i & 1 // each goes first every other round
				start := time.Now()
				runs[k]()
				took[k] = append(took[k], float64(time.Since(start)))
			}
		}
		ratios := make([]float64, len(took[0]))
		for i := range ratios {
			ratios[i] = took[1][i] / took[0][i]
		}
		b.ReportMetric(median(took[0]), "sample-ns/plan")
		b.ReportMetric(median(took[1]), "large-ns/plan")
		b.ReportMetric(median(ratios), "x")
	})
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// The sample's DC/OS JRE keystore and one of its Python bundles.
const (
	sampleKeystore = "opt/mesosphere/packages/java--a4fcaafbfd646f34641226bd8732095525c6e229/usr/java/jre/lib/security/cacerts"
	sampleBundle   = "opt/mesosphere/packages/python-requests--5e482a8a1a830d55b849679ab26b23146e90ceb9/lib/python3.6/site-packages/requests/cacert.pem"
)

// TestStoresLeftAreNamedAndIncomplete: each reason a store found is not
// changed makes plan and apply exit 3 and names the store and the reason on
// stderr and under "left" in -json; the rest is applied; verify counts the
// store as drift (exit 2); -skip leaves it out on purpose, said once, and
// exit 0.
func TestStoresLeftAreNamedAndIncomplete(t *testing.T) {
	jceks, err := os.ReadFile("../../../truststore/testdata/keystore/store.jceks")
	require.NoError(t, err)
	for _, c := range []struct {
		name   string
		store  string
		break_ func(t *testing.T, root string, env *node.Env) []string // extra args
		reason string
	}{
		{"wrong password", sampleKeystore, func(t *testing.T, root string, env *node.Env) []string {
			return []string{"-storepass", "not-the-one"}
		}, "wrong password: does not open with -storepass"},
		{"unsupported format", sampleKeystore, func(t *testing.T, root string, env *node.Env) []string {
			require.NoError(t, os.WriteFile(filepath.Join(root, sampleKeystore), jceks, 0o644))
			return nil
		}, "unsupported format: keystore format JCEKS is not edited here"},
		{"unknown format", sampleKeystore, func(t *testing.T, root string, env *node.Env) []string {
			require.NoError(t, os.WriteFile(filepath.Join(root, sampleKeystore), []byte("\x00\x01garbage"), 0o644))
			return nil
		}, "unknown format: keystore format unknown is not edited here"},
		{"not valid PEM", sampleBundle, func(t *testing.T, root string, env *node.Env) []string {
			require.NoError(t, os.WriteFile(filepath.Join(root, sampleBundle), []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"), 0o644))
			return nil
		}, "not valid PEM: "},
		{"read-only", sampleBundle, func(t *testing.T, root string, env *node.Env) []string {
			dir := filepath.Join(root, filepath.Dir(sampleBundle))
			env.Writable = func(name string) error {
				if name == dir {
					return syscall.EROFS
				}
				return nil
			}
			return nil
		}, "read-only: a new file cannot be written in /" + filepath.Dir(sampleBundle)},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := sampleRoot(t)
			env := testEnv()
			extra := c.break_(t, root, &env)
			p := program(env)
			p.Runner = plan.NoActions
			run := func(args ...string) (int, string, string) {
				var out, errb strings.Builder
				code := p.Run(sampleArgs(root, append(slices.Clone(extra), args...)...), &out, &errb)
				return code, out.String(), errb.String()
			}
			want := "dcos-node: left: /" + c.store + ": " + c.reason
			code, _, stderr := run("plan")
			require.Equal(t, node.ExitIncomplete, code, stderr)
			require.Contains(t, stderr, want)

			code, stdout, _ := run("-json", "plan")
			require.Equal(t, node.ExitIncomplete, code)
			var rep struct {
				Left []node.Left `json:"left"`
				Exit int         `json:"exit"`
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
			require.Equal(t, node.ExitIncomplete, rep.Exit)
			require.Len(t, rep.Left, 1)
			require.Equal(t, "/"+c.store, rep.Left[0].Path)
			require.Contains(t, "dcos-node: left: "+rep.Left[0].Path+": "+rep.Left[0].Reason, want)

			code, _, stderr = run("apply")
			require.Equal(t, node.ExitIncomplete, code, stderr)
			require.Contains(t, stderr, want)
			code, _, stderr = run("verify")
			require.Equal(t, node.ExitPending, code, stderr)
			require.Contains(t, stderr, want)

			// Left out on purpose: said once, exit 0.
			code, _, stderr = run("-skip", "/"+path.Dir(c.store), "apply")
			require.Equal(t, node.ExitOK, code, stderr)
			require.NotContains(t, stderr, "left:")
			require.Equal(t, 1, strings.Count(stderr, "left out on purpose (-skip /"+path.Dir(c.store)+")"), stderr)
		})
	}
}

// TestSkipMatchingNothingWarns: a -skip that matches no store says so.
func TestSkipMatchingNothingWarns(t *testing.T) {
	root := sampleRoot(t)
	var errb strings.Builder
	require.Equal(t, node.ExitPending, testProgram(plan.NoActions).Run(sampleArgs(root, "-skip", "/nowhere/*", "plan"), io.Discard, &errb))
	require.Contains(t, errb.String(), "dcos-node: warning: -skip /nowhere/*: matches no trust store found under the root")
}

func testEnv() node.Env {
	return node.Env{Getenv: func(k string) string {
		if k == node.EnvProxyPassword {
			return testPassword
		}
		return ""
	}}
}

// fixtureDir is testdata/dcos, absolute: the DC/OS master and agent trees.
var fixtureDir = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Join(wd, "testdata", "dcos")
}()

// mkdcos ROLE DIR writes the DC/OS fixture node ROLE (master or agent) into
// DIR: testdata/dcos/ROLE and what testdata/dcos/ROLE.setup adds.
func cmdMkdcos(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || (args[0] != "master" && args[0] != "agent") {
		ts.Fatalf("usage: mkdcos master|agent DIR")
	}
	dir := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(node.Materialize(dir, os.DirFS(fixtureDir), args[0], args[0]+".setup"))
}

// TestJavaHomesOfTheNode: a JDK named only by a JAVA_HOME, in
// environment.export or in a unit's Environment=, gets the CA.
func TestJavaHomesOfTheNode(t *testing.T) {
	root := sampleRoot(t)
	pemData, err := os.ReadFile("sample/certs/sample-public-root-ca-1.pem")
	require.NoError(t, err)
	block, _ := pem.Decode(pemData)
	ks, err := node.SampleKeystore([]byte("changeit"), [][]byte{block.Bytes})
	require.NoError(t, err)
	for _, p := range []string{"srv/export-jdk/lib/security/cacerts", "srv/unit-jdk/jre/lib/security/cacerts"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), ks, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "opt/mesosphere/environment.export"), []byte("export JAVA_HOME=/srv/export-jdk\n"), 0o644))
	// A unit's own JAVA_HOME (DC/OS's units take theirs from
	// /opt/mesosphere/environment, whose EnvironmentFile= wins).
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/systemd/system/vendor-app.service"),
		[]byte("[Service]\nEnvironment=JAVA_HOME=/srv/unit-jdk\nExecStart=/srv/unit-jdk/bin/java -jar /srv/app.jar\n"), 0o644))
	var out strings.Builder
	require.Equal(t, node.ExitPending, testProgram(plan.NoActions).Run(sampleArgs(root, "plan"), &out, io.Discard))
	require.Contains(t, out.String(), "# srv/export-jdk/lib/security/cacerts: the proxy's CA in a Java keystore\n")
	require.Contains(t, out.String(), "# srv/unit-jdk/jre/lib/security/cacerts: the proxy's CA in a Java keystore\n")
}
