package dockerhost

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/internal/scripttest"
	"github.com/proxykit/proxykit/internal/wiretest"
	"github.com/proxykit/proxykit/proxyenv"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

// testPassword is the proxy password of the scripts: it holds characters
// each file format encodes differently.
const testPassword = `Pa55%w@rd:$HOME"q"!`

func TestMain(m *testing.M) {
	wiretest.GoClientMain()
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
		Condition: scripttest.Condition,
		Cmds: scripttest.With(testPassword, map[string]scripttest.Cmd{
			"mkroot":     cmdMkroot,
			"unitenv":    cmdUnitenv,
			"pemcount":   cmdPemcount,
			"jsonkeys":   cmdJSONKeys,
			"composeenv": cmdComposeenv,
		}),
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

// composeenv DIR runs the real docker-compose's "config" in the project
// DIR, with no proxy variable in its environment, and prints each service's
// resolved proxy variables, the test password replaced by <password>, and
// the volumes proxykit mounts.
func cmdComposeenv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: composeenv DIR")
	}
	tool, err := exec.LookPath("docker-compose")
	ts.Check(err)
	cmd := exec.Command(tool, "--no-ansi", "config")
	cmd.Dir = ts.MkAbs(args[0])
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + ts.MkAbs(".")}
	out, err := cmd.Output()
	if err != nil {
		ts.Fatalf("docker-compose config: %v", err)
	}
	var cfg struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
	}
	ts.Check(yaml.Unmarshal(out, &cfg))
	enc := proxyenv.EscapeUserinfo(testPassword)
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(cfg.Services)) {
		env := cfg.Services[name].Environment
		for _, k := range slices.Sorted(maps.Keys(env)) {
			if strings.Contains(strings.ToLower(k), "proxy") {
				fmt.Fprintf(&b, "%s %s=%s\n", name, k, strings.ReplaceAll(env[k], enc, "<password>"))
			}
		}
		for _, v := range cfg.Services[name].Volumes {
			if strings.Contains(v, "proxykit") {
				fmt.Fprintf(&b, "%s volume %s\n", name, strings.ReplaceAll(v, cmd.Dir, "$PROJECT"))
			}
		}
	}
	ts.Logf("%s", oracle.Version(tool, "version", "--short"))
	_, err = ts.Stdout().Write([]byte(b.String()))
	ts.Check(err)
}
