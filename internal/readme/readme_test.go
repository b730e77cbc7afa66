package readme_test

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/proxykit/proxykit/"

// pkg is one package of the module as go list reports it.
type pkg struct {
	path    string   // relative to the module: "proxyenv", "examples/noproxy"
	doc     string   // the package comment's first sentence
	imports []string // the module's packages it imports (non-test files), relative
}

// list runs go list on the whole module.
func list(t *testing.T) []pkg {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	touchSources(t)
	cmd := exec.Command(goTool, "list", "-f", "{{.ImportPath}}\t{{.Doc}}\t{{join .Imports \" \"}}", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	require.NoError(t, err)
	var pkgs []pkg
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		require.Len(t, f, 3, sc.Text())
		p := pkg{path: strings.TrimPrefix(f[0], module), doc: f[1]}
		for _, imp := range strings.Fields(f[2]) {
			if rel, ok := strings.CutPrefix(imp, module); ok {
				p.imports = append(p.imports, rel)
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// touchSources stats every Go file and directory of the module, so that go
// test's cache, which cannot see into go list, runs the tests again when an
// import may have changed.
func touchSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(p, ".go") {
			_, err = os.Stat(p)
		}
		return err
	})
	require.NoError(t, err)
}

// graphed reports whether p belongs in the README's import graph: test
// helpers (…test) and the packages that hold no code but a test are left out.
func graphed(p pkg) bool {
	return !strings.HasSuffix(path.Base(p.path), "test") && !strings.Contains(p.doc, "holds no code")
}

// graph renders the import graph as the README shows it.
func graph(pkgs []pkg) string {
	var b strings.Builder
	for _, p := range pkgs {
		if !graphed(p) {
			continue
		}
		deps := slices.Sorted(slices.Values(p.imports))
		to := strings.Join(deps, ", ")
		if to == "" {
			to = "(none of ours)"
		}
		b.WriteString(p.path + " → " + to + "\n")
	}
	return b.String()
}

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	return string(b)
}

// TestREADMEImportGraph checks the graph between the README's markers
// against go list. To update it, paste the expected block the failure
// prints.
func TestREADMEImportGraph(t *testing.T) {
	want := graph(list(t))
	m := regexp.MustCompile("(?s)<!-- go list imports -->\n```\n(.*?)```").FindStringSubmatch(readme(t))
	require.NotNil(t, m, "README.md has no import graph after <!-- go list imports -->")
	require.Equal(t, want, m[1], "README.md's import graph differs from go list; it should read:\n%s", want)
}

// TestREADMEPackageTable checks that the README's package table lists every
// public package of the module (neither internal nor an example) and no
// other, each linked to its directory.
func TestREADMEPackageTable(t *testing.T) {
	var want []string
	for _, p := range list(t) {
		if !strings.HasPrefix(p.path, "internal/") && !strings.HasPrefix(p.path, "examples/") && !strings.Contains(p.path, "/internal/") {
			want = append(want, p.path)
		}
	}
	var got []string
	for _, m := range regexp.MustCompile("(?m)^\\| \\[`([a-z0-9/]+)`\\]\\(([a-z0-9/]+)\\) \\|").FindAllStringSubmatch(readme(t), -1) {
		require.Equal(t, m[1], m[2], "the table links each package to its directory")
		if !strings.HasPrefix(m[1], "internal/") && !strings.HasPrefix(m[1], "examples/") {
			got = append(got, m[1])
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	require.Equal(t, want, got, "README.md's package table lists the public packages")
}
