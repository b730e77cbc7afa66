// Package wiretest runs the real clients of a node — curl, Python's urllib,
// a Java program, Go's net/http — the way the node's files configure them,
// for the example programs' end-to-end tests against a real intercepting
// proxy (internal/squidtest).
//
// Each client runs as its own process with an environment built only from
// what the test passes (never the test's own proxy variables), bounded by
// [Timeout], and answers with its output: the origin's body on success, or
// the client's own diagnosis ("error: …") and an error.
package wiretest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proxykit/proxykit/internal/oracle"
)

// Timeout bounds each client run.
const Timeout = 60 * time.Second

// ReadEnvFile reads KEY=value lines as /etc/environment (pam_env) and
// DC/OS's proxy.env hold them: blank lines and comments skipped, an "export "
// prefix and one pair of surrounding quotes removed.
func ReadEnvFile(data []byte) []string {
	var env []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		l = strings.TrimPrefix(l, "export ")
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		env = append(env, k+"="+v)
	}
	return env
}

// baseEnv is what every client gets besides the node's variables: a PATH
// and a HOME, nothing that names a proxy.
func baseEnv(t testing.TB) []string {
	home := t.TempDir()
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8"}
}

// run runs argv with env (after the base environment) and returns its
// combined output; an error when it fails.
func run(t testing.TB, env []string, dir string, argv ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(baseEnv(t), env...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("%s: no answer within %v", filepath.Base(argv[0]), Timeout)
	}
	if err != nil {
		return string(out), fmt.Errorf("%s: %v", filepath.Base(argv[0]), err)
	}
	return string(out), nil
}

// Curl fetches url with curl, which reads its proxy from env (http_proxy,
// https_proxy, no_proxy) and trusts the PEM bundle cafile.
func Curl(t testing.TB, env []string, cafile, url string) (string, error) {
	t.Helper()
	curl := oracle.Require(t, "curl")
	return run(t, env, "", curl, "-sS", "--max-time", "20", "--cacert", cafile, url)
}

// pythonClient fetches argv[2] trusting the bundle argv[1], with urllib's
// proxy handling from the environment.
const pythonClient = `import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[1])
try:
    with urllib.request.urlopen(sys.argv[2], context=ctx, timeout=20) as r:
        sys.stdout.write(r.read().decode())
except Exception as e:
    print("error: %s: %s" % (type(e).__name__, e))
    sys.exit(1)
`

// Python fetches url with Python's urllib, which reads its proxy from env
// and here trusts the PEM bundle cafile (a certifi or conda bundle).
func Python(t testing.TB, env []string, cafile, url string) (string, error) {
	t.Helper()
	py := oracle.Require(t, "python3")
	return run(t, env, "", py, "-c", pythonClient, cafile, url)
}

// javaClient is Probe.java: it fetches args[0] with HttpsURLConnection, which
// takes its proxy and trust store from system properties.
const javaClient = `import java.net.HttpURLConnection;
import java.net.URL;

public class Probe {
    public static void main(String[] args) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL(args[0]).openConnection();
            c.setConnectTimeout(20000);
            c.setReadTimeout(20000);
            int status = c.getResponseCode();
            if (status != 200) {
                System.out.println("error: HTTP " + status);
                System.exit(1);
            }
            System.out.print(new String(c.getInputStream().readAllBytes(), "UTF-8"));
        } catch (Exception e) {
            System.out.println("error: " + e);
            System.exit(1);
        }
    }
}
`

// JavaProbe is the Java client, compiled once with javac.
type JavaProbe struct{ dir string }

// CompileJava compiles the Java client into a directory of t's, once for
// all the runs of a test: a single-file source launch would compile it on
// every run.
func CompileJava(t testing.TB) *JavaProbe {
	t.Helper()
	javac := oracle.Require(t, "javac")
	dir := t.TempDir()
	src := filepath.Join(dir, "Probe.java")
	if err := os.WriteFile(src, []byte(javaClient), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, nil, dir, javac, "-d", dir, src); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	return &JavaProbe{dir: dir}
}

// Java fetches url with HttpsURLConnection in a Java program started as
// "java PROPS... Probe URL" with JAVA_TOOL_OPTIONS=toolOptions in its
// environment (unset when ""): the -D options of both say everything, proxy
// and trust store included, those of props winning as on a command line.
func (p *JavaProbe) Java(t testing.TB, toolOptions string, props []string, url string) (string, error) {
	t.Helper()
	java := oracle.Require(t, "java")
	argv := append([]string{java, "-cp", p.dir}, props...)
	argv = append(argv, "Probe", url)
	if toolOptions == "" {
		return run(t, nil, p.dir, argv...)
	}
	out, err := run(t, []string{"JAVA_TOOL_OPTIONS=" + toolOptions}, p.dir, argv...)
	// The JVM says on stderr that it read the value: check, and leave the
	// output as the program wrote it.
	picked := "Picked up JAVA_TOOL_OPTIONS: " + toolOptions + "\n"
	if !strings.Contains(out, picked) {
		t.Errorf("wiretest: java did not pick up JAVA_TOOL_OPTIONS=%s:\n%s", toolOptions, out)
	}
	return strings.Replace(out, picked, "", 1), err
}

// EnvGoClient names the variable that makes a test binary run [GoClientMain]
// instead of its tests.
const EnvGoClient = "PROXYKIT_WIRETEST_GO_CLIENT"

// GoClient fetches url with Go's net/http in a child process (the test
// binary itself, see [GoClientMain]) whose whole environment is env: Go reads
// HTTPS_PROXY, NO_PROXY and SSL_CERT_FILE once per process, as dockerd does.
func GoClient(t testing.TB, env []string, url string) (string, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env = append(env, EnvGoClient+"="+url)
	return run(t, env, "", exe)
}

// GoClientMain runs the Go client and exits when the process was started
// by [GoClient]; otherwise it returns at once. Call it first in TestMain.
func GoClientMain() {
	url := os.Getenv(EnvGoClient)
	if url == "" {
		return
	}
	c := &http.Client{Timeout: 20 * time.Second} // http.DefaultTransport: ProxyFromEnvironment
	resp, err := c.Get(url)
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		fmt.Printf("error: %s\n", resp.Status)
		os.Exit(1)
	}
	os.Stdout.Write(body)
	os.Exit(0)
}

// Apt runs "apt-get update" for the one repository line sources (a
// "deb [trusted=yes] https://… SUITE COMPONENT" line) with the apt.conf.d
// file conf as its only configuration besides the options below, trusting
// the PEM bundle cafile; state and cache live in a directory of t's. It is
// how an image's apt reads the proxy proxykit wrote, without touching the
// host's apt: no host configuration file is read (an image's own
// apt.conf.d may run commands after an update), and nothing is locked.
func Apt(t testing.TB, conf, cafile, sources string) (string, error) {
	t.Helper()
	apt := oracle.Require(t, "apt-get")
	dir := t.TempDir()
	parts := filepath.Join(dir, "apt.conf.d")
	for _, d := range []string{"apt.conf.d", "sources.list.d", "state/lists/partial", "cache/archives/partial", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parts, filepath.Base(conf)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "sources.list")
	if err := os.WriteFile(list, []byte(sources+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// APT_CONFIG is read before anything else, so the directories it names
	// replace the host's before apt reads any of them.
	var cfg strings.Builder
	for _, kv := range [][2]string{
		{"Dir::Etc::main", filepath.Join(dir, "none.conf")},
		{"Dir::Etc::parts", parts},
		{"Dir::Etc::sourcelist", list},
		{"Dir::Etc::sourceparts", filepath.Join(dir, "sources.list.d")},
		{"Dir::Etc::preferencesparts", filepath.Join(dir, "sources.list.d")},
		{"Dir::Etc::trustedparts", filepath.Join(dir, "sources.list.d")},
		{"Dir::State", filepath.Join(dir, "state")},
		{"Dir::Cache", filepath.Join(dir, "cache")},
		{"Dir::Log", filepath.Join(dir, "log")},
		{"Debug::NoLocking", "1"},
		{"APT::Sandbox::User", "root"},
		{"Acquire::Retries", "0"},
		{"Acquire::https::CaInfo", cafile},
		{"Acquire::Languages", "none"},
		{"APT::Update::Error-Mode", "any"}, // a failed index fails the update (apt 2.1+)
	} {
		fmt.Fprintf(&cfg, "%s %q;\n", kv[0], kv[1])
	}
	aptConf := filepath.Join(dir, "apt.conf")
	if err := os.WriteFile(aptConf, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return run(t, []string{"APT_CONFIG=" + aptConf}, dir, apt, "-q", "update")
}
