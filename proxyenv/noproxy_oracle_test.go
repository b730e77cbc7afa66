package proxyenv_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

var update = flag.Bool("update", false, "rewrite the recorded oracle answers and golden files in testdata")

const (
	direct = "DIRECT"
	proxy  = "PROXY"
)

func decision(bypass bool) string {
	if bypass {
		return direct
	}
	return proxy
}

// recorded is an oracle's answers as kept in testdata/oracle/<name>.txt: a
// "# version" line, then "id DIRECT|PROXY" lines.
type recorded struct {
	Version string
	Answers map[string]string
}

func recordedPath(name string) string { return filepath.Join("testdata", "oracle", name+".txt") }

func readRecorded(t *testing.T, name string) recorded {
	t.Helper()
	f, err := os.Open(recordedPath(name))
	if err != nil {
		t.Fatalf("recorded answers: %v (run the oracle tests with -update where the tool is installed)", err)
	}
	defer f.Close()
	r := recorded{Answers: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# "); ok {
			if r.Version == "" {
				r.Version = v
			}
			continue
		}
		if id, ans, ok := strings.Cut(line, " "); ok {
			r.Answers[id] = ans
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

func writeRecorded(t *testing.T, name, version string, answers map[string]string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n# Recorded by go test ./proxyenv -run Oracle -update; one case per line: id answer.\n", version)
	ids := make([]string, 0, len(answers))
	for id := range answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "%s %s\n", id, answers[id])
	}
	if err := os.WriteFile(recordedPath(name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOracleGoMatchesHTTPProxy: Bypass(Go) is httpproxy's ProxyFunc, on the
// list as written and on its canonical form.
func TestOracleGoMatchesHTTPProxy(t *testing.T) {
	for _, c := range oracleCases() {
		u := c.parsedURL(t)
		l := proxyenv.ParseNoProxy(c.List)
		for _, list := range []string{c.List, l.String()} {
			cfg := httpproxy.Config{HTTPProxy: "http://127.0.0.1:3128", HTTPSProxy: "http://127.0.0.1:3128", NoProxy: list}
			p, err := cfg.ProxyFunc()(u)
			if err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			if got, want := l.Bypass(proxyenv.Go, u), p == nil; got != want {
				t.Errorf("%v: Bypass(Go) = %v, httpproxy on %q says %v", c, got, list, want)
			}
		}
	}
}

// ---- Python ----

func runPython(t *testing.T, py string, cases []oracleCase) map[string]string {
	t.Helper()
	in := make([][3]string, len(cases))
	for i, c := range cases {
		in[i] = [3]string{c.ID, c.List, c.URL}
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cases.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "oracle", "urllib_decide.py"), path)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PYTHONDONTWRITEBYTECODE=1"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	answers := map[string]string{}
	if err := json.Unmarshal(out, &answers); err != nil {
		t.Fatalf("python output: %v", err)
	}
	return answers
}

func TestOracleBypassMatchesPython(t *testing.T) {
	py := oracle.Require(t, "python3")
	version := oracle.Version(py)
	t.Logf("oracle: %s", version)
	cases := oracleCases()
	answers := runPython(t, py, cases)
	for _, c := range cases {
		l := proxyenv.ParseNoProxy(c.List)
		if got, want := decision(l.Bypass(proxyenv.Python, c.parsedURL(t))), answers[c.ID]; got != want {
			t.Errorf("%v: Bypass(Python) = %s, urllib says %s", c, got, want)
		}
	}
	if *update {
		writeRecorded(t, "python", version, answers)
	}
}

// ---- Java ----

// javaCase asks the JVM about url with http.nonProxyHosts set to value.
type javaCase struct {
	id, value, url string
}

var (
	javaOnce    sync.Mutex
	javaVersion string
)

func runJava(t *testing.T, java string, cases []javaCase) map[string]string {
	t.Helper()
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "%s %s %s\n", c.id, hex.EncodeToString([]byte(c.value)), hex.EncodeToString([]byte(c.url)))
	}
	path := filepath.Join(t.TempDir(), "cases.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, java, "-Djava.net.useSystemProxies=false", filepath.Join("testdata", "oracle", "ProxyDecide.java"), path)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("java: %v\n%s", err, stderr)
	}
	answers := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if id, ans, ok := strings.Cut(line, " "); ok {
			answers[id] = ans
		}
	}
	return answers
}

// jvmAnswers runs every Java question of the oracle tests in one JVM: the
// hand translation of each case's list ("raw/" ids) and Java()'s
// conversion ("conv/" ids). The answers are computed once per test binary.
func jvmAnswers(t *testing.T, java string) map[string]string {
	t.Helper()
	jvmMu.Lock()
	defer jvmMu.Unlock()
	if jvmCache != nil {
		return jvmCache
	}
	var jc []javaCase
	for _, c := range oracleCases() {
		// The hand translation: every "," becomes "|", nothing else changes.
		jc = append(jc, javaCase{"raw/" + c.ID, strings.ReplaceAll(c.List, ",", "|"), c.URL})
		list, _ := proxyenv.ParseNoProxy(c.List).Java()
		jc = append(jc, javaCase{"conv/" + c.ID, list, c.URL})
	}
	jvmCache = runJava(t, java, jc)
	return jvmCache
}

var (
	jvmMu    sync.Mutex
	jvmCache map[string]string
)

// withPrefix returns the answers whose id starts with prefix, without it.
func withPrefix(answers map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for id, a := range answers {
		if rest, ok := strings.CutPrefix(id, prefix); ok {
			out[rest] = a
		}
	}
	return out
}

func javaVersionOf(java string) string {
	javaOnce.Lock()
	defer javaOnce.Unlock()
	if javaVersion == "" {
		out, _ := exec.Command(java, "-version").CombinedOutput()
		javaVersion, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	}
	return javaVersion
}

func TestOracleBypassMatchesJava(t *testing.T) {
	java := oracle.Require(t, "java")
	version := javaVersionOf(java)
	t.Logf("oracle: %s", version)
	cases := oracleCases()
	answers := withPrefix(jvmAnswers(t, java), "raw/")
	for _, c := range cases {
		l := proxyenv.ParseNoProxy(c.List)
		if got, want := decision(l.Bypass(proxyenv.Java, c.parsedURL(t))), answers[c.ID]; got != want {
			t.Errorf("%v: Bypass(Java) = %s, the JVM says %s (http.nonProxyHosts=%q)", c, got, want, l.NonProxyHosts())
		}
	}
	if *update {
		writeRecorded(t, "java", version, answers)
	}
}

// javaConversionException says why Java cannot decide as Go for u on the
// list l by a rule Java() documents without a Loss, or "".
func javaConversionException(u *url.URL, l proxyenv.NoProxy) string {
	h := u.Hostname()
	switch h {
	case "0.0.0.0", "::0", "::":
		return "Java always bypasses 0.0.0.0 and [::0] (its built-in defaults)"
	}
	if a, err := netip.ParseAddr(h); err == nil && a.Is4In6() {
		for _, e := range l.Entries() {
			if e.Kind == proxyenv.KindCIDR && e.Prefix.Addr().Is4() && e.Prefix.Contains(a.Unmap()) {
				return "" // an IPv4 range: its Loss must say so
			}
		}
		return "an IPv4-mapped URL host: Go compares it with IPv4 address entries numerically, Java as text"
	}
	if _, err := netip.ParseAddr(h); err != nil && h != "" && h[0] >= '0' && h[0] <= '9' && strings.Contains(h, ".") {
		return "a name that begins like an address: Java's prefix patterns (10.*, its own 127.*) compare text, Go only addresses"
	}
	return ""
}

// TestOracleJavaConversionMatchesGo: the JVM, given Java()'s output, decides
// as Go does for every case, unless a Loss names the case's entry.
func TestOracleJavaConversionMatchesGo(t *testing.T) {
	java := oracle.Require(t, "java")
	t.Logf("oracle: %s", javaVersionOf(java))
	cases := oracleCases()
	answers := withPrefix(jvmAnswers(t, java), "conv/")
	checkJavaConversion(t, cases, answers)
	if *update {
		writeRecorded(t, "java-converted", javaVersionOf(java), answers)
	}
}

// checkJavaConversion compares the JVM's answers on Java()'s output with Go's
// decisions, and with Bypass(Java) on that output.
func checkJavaConversion(t *testing.T, cases []oracleCase, answers map[string]string) {
	t.Helper()
	var excused, lossy int
	for _, c := range cases {
		l := proxyenv.ParseNoProxy(c.List)
		u := c.parsedURL(t)
		list, losses := l.Java()
		if got := decision(proxyenv.ParseJavaNonProxyHosts(list).Bypass(proxyenv.Java, u)); got != answers[c.ID] {
			t.Errorf("%v: Bypass(Java) on ParseJavaNonProxyHosts(%q) = %s, the JVM says %s", c, list, got, answers[c.ID])
		}
		goSays := decision(l.Bypass(proxyenv.Go, u))
		if answers[c.ID] == goSays {
			continue
		}
		if why := javaConversionException(u, l); why != "" {
			excused++
			t.Logf("%v: Java differs from Go: %s", c, why)
			continue
		}
		if e := lossExplaining(losses, u); e != "" {
			lossy++
			t.Logf("%v: Java differs from Go, as the Loss for %q says", c, e)
			continue
		}
		t.Errorf("%v: Java with %q says %s, Go says %s, and no Loss explains it (losses: %v)", c, list, answers[c.ID], goSays, losses)
	}
	t.Logf("%d cases: %d differ with a Loss, %d by Java's fixed rules", len(cases), lossy, excused)
}

// lossExplaining returns the entry of a Loss that, alone in a list, makes
// Java (on its conversion) and Go decide differently for u, or "".
func lossExplaining(losses []proxyenv.Loss, u *url.URL) string {
	for _, loss := range losses {
		alone := proxyenv.ParseNoProxy(loss.Entry)
		converted, _ := alone.Java()
		if alone.Bypass(proxyenv.Go, u) != proxyenv.ParseJavaNonProxyHosts(converted).Bypass(proxyenv.Java, u) {
			return loss.Entry
		}
	}
	return ""
}

// ---- curl ----

// curlSkip says why the installed curl (older than 8.18) may decide c
// differently from Bypass(Curl), by a documented rule, or "".
func curlSkip(l proxyenv.NoProxy, u *url.URL) string {
	now := l.Bypass(proxyenv.Curl, u)
	if proxyenv.CurlBypassWith(l, true, true, true, u) != now {
		return "blank-separated names: before 8.9 a blank separated names; since, it ends the list"
	}
	if proxyenv.CurlBypassWith(l, false, false, true, u) != now {
		return "IPv6 host: compared as text before 8.18, numerically since"
	}
	if proxyenv.CurlBypassWith(l, false, true, false, u) != now {
		return "CIDR prefix length: read with atoi before 8.18 (10.0.0.0/8x was /8), a plain number since"
	}
	return ""
}

func runCurl(t *testing.T, curl string, cases []oracleCase) map[string]string {
	t.Helper()
	// With --connect-to, curl reaches a proxied URL through a CONNECT
	// tunnel to the connect-to address; the proxy refuses it with 403, which
	// -w %{http_connect} shows.
	serve := func(answer string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodConnect {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			_, _ = w.Write([]byte(answer))
		}))
	}
	proxySrv, directSrv := serve("P"), serve("D")
	defer proxySrv.Close()
	defer directSrv.Close()
	_, directPort, _ := net.SplitHostPort(directSrv.Listener.Addr().String())

	var args []string
	for i, c := range cases {
		// curl's decision does not depend on the scheme; plain http keeps the
		// loopback servers simple.
		// The URL text is passed as written (String would percent-encode
		// an internationalized host).
		_, rest, _ := strings.Cut(c.URL, "://")
		if i > 0 {
			args = append(args, "--next")
		}
		args = append(args,
			"--silent", "--max-time", "5",
			"--proxy", proxySrv.URL,
			"--noproxy", c.List,
			"--connect-to", "::127.0.0.1:"+directPort,
			"--write-out", "|%{http_connect}|#"+c.ID+"\n",
			"http://"+rest)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, curl, append([]string{"--disable"}, args...)...)
	// A UTF-8 locale lets curl convert internationalized names (libidn2).
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8"}
	out, _ := cmd.Output() // a failed transfer shows as an answer without body
	answers := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		rest, id, ok := strings.Cut(line, "|#")
		if !ok {
			continue
		}
		body, connect, _ := strings.Cut(rest, "|")
		switch {
		case body == "P" || connect == "403":
			answers[id] = proxy
		case body == "D" && connect == "000":
			answers[id] = direct
		default:
			answers[id] = "ERROR " + strings.TrimSpace(rest)
		}
	}
	return answers
}

func TestOracleBypassMatchesCurl(t *testing.T) {
	curl := oracle.Require(t, "curl")
	version := oracle.Version(curl)
	t.Logf("oracle: %s", version)
	cases := oracleCases()
	answers := runCurl(t, curl, cases)
	var skipped []string
	for _, c := range cases {
		l := proxyenv.ParseNoProxy(c.List)
		u := c.parsedURL(t)
		got, want := decision(l.Bypass(proxyenv.Curl, u)), answers[c.ID]
		if got == want {
			continue
		}
		if why := curlSkip(l, u); why != "" && !strings.HasPrefix(version, "curl 8.18") && decision(!l.Bypass(proxyenv.Curl, u)) == want {
			skipped = append(skipped, fmt.Sprintf("%v: %s", c, why))
			continue
		}
		t.Errorf("%v: Bypass(Curl) = %s, %s says %s", c, got, strings.Fields(version)[0:2], want)
	}
	slices.Sort(skipped)
	for _, s := range skipped {
		t.Logf("skipped (older curl, documented rule): %s", s)
	}
	t.Logf("%d cases, %d skipped for the installed curl's age", len(cases), len(skipped))
	if *update {
		writeRecorded(t, "curl", version, answers)
	}
}

// TestRecordedOracleAnswers checks Bypass against the answers the real tools
// gave when last recorded, so the check means something where they are
// missing.
func TestRecordedOracleAnswers(t *testing.T) {
	cases := oracleCases()
	t.Run("java-converted", func(t *testing.T) {
		rec := readRecorded(t, "java-converted")
		t.Logf("recorded with %s", rec.Version)
		checkJavaConversion(t, cases, rec.Answers)
	})
	for _, tc := range []struct {
		name   string
		client proxyenv.Client
		skip   func(l proxyenv.NoProxy, u *url.URL) string
	}{
		{"python", proxyenv.Python, nil},
		{"java", proxyenv.Java, nil},
		{"curl", proxyenv.Curl, curlSkip},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := readRecorded(t, tc.name)
			t.Logf("recorded with %s", rec.Version)
			for _, c := range cases {
				want, ok := rec.Answers[c.ID]
				if !ok {
					t.Errorf("%v: no recorded answer", c)
					continue
				}
				l := proxyenv.ParseNoProxy(c.List)
				u := c.parsedURL(t)
				if got := decision(l.Bypass(tc.client, u)); got != want {
					if tc.skip != nil && tc.skip(l, u) != "" {
						continue
					}
					t.Errorf("%v: Bypass(%v) = %s, recorded %s", c, tc.client, got, want)
				}
			}
		})
	}
}
