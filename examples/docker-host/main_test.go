package main

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

// testPassword is the proxy password of the scripts: it holds characters
// each file format encodes differently.
const testPassword = `Pa55%w@rd:$HOME"q"!`

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"docker-host": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// real program, on fixture roots copied from testdata/roots by mkroot.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			ca, err := sample.ReadFile("sample/host/root/corp-proxy-ca.pem")
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(env.WorkDir, "ca.pem"), ca, 0o644); err != nil {
				return err
			}
			env.Setenv("PROXYKIT_PROXY_PASSWORD", testPassword)
			if v := os.Getenv(oracle.EnvRequire); v != "" {
				env.Setenv(oracle.EnvRequire, v)
			}
			return nil
		},
		Condition: oracleCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkroot":   cmdMkroot,
			"snapshot": cmdSnapshot,
			"nosecret": cmdNosecret,
			"unitenv":  cmdUnitenv,
			"pemcount": cmdPemcount,
			"jsonkeys": cmdJSONKeys,
			"nowarn":   cmdNowarn,
		},
	})
}

// mkroot NAME DIR writes the sample root NAME (host or image) into DIR.
func cmdMkroot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkroot NAME DIR")
	}
	dir := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(writeSample(dir, args[0]))
}

// snapshot DIR FILE writes a listing of every file under DIR into FILE: its
// path, type, mode, link target and SHA-256, so that two trees compare with
// cmp. Modification times are left out.
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: snapshot DIR FILE")
	}
	dir := ts.MkAbs(args[0])
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s link %s", rel, target))
		case fi.IsDir():
			lines = append(lines, fmt.Sprintf("%s dir %04o", rel, fi.Mode().Perm()))
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s file %04o %x", rel, fi.Mode().Perm(), sha256.Sum256(data)))
		}
		return nil
	})
	ts.Check(err)
	slices.Sort(lines)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
}

// secretForms are the ways the test password may be written: raw, in a URL,
// strictly percent-encoded, JSON-escaped, and escaped for systemd.
func secretForms() []string {
	j, _ := json.Marshal(testPassword)
	return []string{
		testPassword,
		url.UserPassword("u", testPassword).String()[2:],
		url.QueryEscape(testPassword),
		url.PathEscape(testPassword),
		proxyenv.EscapeUserinfo(testPassword),
		strings.Trim(string(j), `"`),
		strings.ReplaceAll(testPassword, "%", "%%"),
	}
}

// nosecret FILE... fails when a file (stdout and stderr name the last
// command's output) holds the test password in any encoding. With no FILE it
// checks stdout and stderr.
func cmdNosecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! nosecret")
	}
	if len(args) == 0 {
		args = []string{"stdout", "stderr"}
	}
	for _, name := range args {
		var data string
		switch name {
		case "stdout", "stderr":
			data = ts.ReadFile(name)
		default:
			b, err := os.ReadFile(ts.MkAbs(name))
			ts.Check(err)
			data = string(b)
		}
		for _, f := range secretForms() {
			if strings.Contains(data, f) {
				ts.Fatalf("%s holds the proxy password (as %q)", name, strings.ReplaceAll(f, testPassword, "<password>"))
			}
		}
	}
}

// unitenv ROOT prints, one per line, the drop-ins systemd-analyze (the
// oracle) loads for docker.service under ROOT, the Environment= it
// computes and the EnvironmentFile= it would read, with the test password replaced by <password>; then it runs
// "systemd-analyze verify", which must pass.
func cmdUnitenv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: unitenv ROOT")
	}
	tool, err := exec.LookPath("systemd-analyze")
	ts.Check(err)
	root := ts.MkAbs(args[0])
	cmd := exec.Command(tool, "--root="+root, "verify", "docker.service")
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		ts.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	enc := proxyenv.EscapeUserinfo(testPassword)
	var b strings.Builder
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "DropIn Path: "):
			p := strings.TrimPrefix(l, "DropIn Path: ")
			rel, _ := filepath.Rel(root, p)
			fmt.Fprintf(&b, "drop-in /%s\n", filepath.ToSlash(rel))
		case strings.HasPrefix(l, "Environment: "), strings.HasPrefix(l, "EnvironmentFile: "):
			b.WriteString(strings.ReplaceAll(l, enc, "<password>") + "\n")
		}
	}
	ts.Logf("%s", oracle.Version(tool))
	_, err = ts.Stdout().Write([]byte(b.String()))
	ts.Check(err)
}

// nowarn prints the last command's stdout without its "warning:" lines, so
// that a golden plan does not change with the wording of other packages'
// warnings; scripts check the warnings that matter with stdout patterns.
func cmdNowarn(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: nowarn")
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(ts.ReadFile("stdout"), "\n") {
		if !strings.HasPrefix(l, "warning: ") {
			b.WriteString(l)
		}
	}
	_, err := ts.Stdout().Write([]byte(b.String()))
	ts.Check(err)
}

// pemcount FILE N checks that FILE holds N certificates, as Python's ssl
// module (OpenSSL) loads them: a bundle glued together by a missing newline
// loses certificates there.
func cmdPemcount(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pemcount FILE N")
	}
	py, err := exec.LookPath("python3")
	ts.Check(err)
	out, err := exec.Command(py, "-c", `import ssl,sys
c=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.load_verify_locations(cafile=sys.argv[1])
print(len(c.get_ca_certs()))`, ts.MkAbs(args[0])).CombinedOutput()
	if err != nil {
		ts.Fatalf("python3 ssl: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != args[1] {
		ts.Fatalf("%s: python3 ssl loads %s certificates, want %s", args[0], got, args[1])
	}
}

// jsonkeys FILE KEY... checks, with python3's json module, that FILE is
// valid JSON whose top-level keys are exactly KEY... in order.
func cmdJSONKeys(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: jsonkeys FILE KEY...")
	}
	py, err := exec.LookPath("python3")
	ts.Check(err)
	out, err := exec.Command(py, "-c", `import json,sys
print(" ".join(json.load(open(sys.argv[1]))))`, ts.MkAbs(args[0])).CombinedOutput()
	if err != nil {
		ts.Fatalf("python3 json: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), strings.Join(args[1:], " "); got != want {
		ts.Fatalf("%s: keys %q, want %q", args[0], got, want)
	}
}

// oracleCondition answers the script condition [oracle:TOOL]: whether a
// real tool is installed. Where it is missing and PROXYKIT_REQUIRE_ORACLES is
// set, the script fails instead. Scripts use it as "[!oracle:curl] skip".
func oracleCondition(cond string) (bool, error) {
	tool, ok := strings.CutPrefix(cond, "oracle:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv(oracle.EnvRequire) != "" {
			return false, fmt.Errorf("oracle %s is required (%s is set) but missing", tool, oracle.EnvRequire)
		}
		return false, nil
	}
	return true, nil
}
