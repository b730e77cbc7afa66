package jvmflags_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

// nasty are property values that break naive quoting somewhere: in a shell,
// in systemd's ExecStart= (% and $ are specifiers and variables there), in
// JAVA_TOOL_OPTIONS (white space and quotes).
var nasty = []jvmflags.Property{
	{Key: "t.space", Value: "a b  c"},
	{Key: "t.single", Value: "it's"},
	{Key: "t.double", Value: `say "hi"`},
	{Key: "t.both", Value: `it's "both"`},
	{Key: "t.pipe", Value: "localhost|127.*|*.corp|[::1]"},
	{Key: "t.percent", Value: "100% %n %%"},
	{Key: "t.dollar", Value: "$HOME ${PATH} $$"},
	{Key: "t.backslash", Value: `C:\dir\ \\`},
	{Key: "t.tab", Value: "a\tb"},
	{Key: "t.semicolon", Value: "a;b&c>d"},
	{Key: "t.unicode", Value: "grüße ☕"},
	{Key: "t.empty", Value: ""},
	{Key: "t.equals", Value: "k=v=w"},
}

// javaRun is the JVM harness: it compiles testdata/Props.java once and runs
// command lines whose main class is Props, returning what the JVM reports.
type javaRun struct {
	java, classes, jar string
}

// compiled holds Props compiled once for the whole test binary: javac is
// the slowest step of the oracle tests.
var compiled struct {
	once sync.Once
	dir  string
	out  []byte
	err  error
}

// TestMain removes the compiled harness after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if compiled.dir != "" {
		os.RemoveAll(compiled.dir)
	}
	os.Exit(code)
}

func newJavaRun(t *testing.T) javaRun {
	t.Helper()
	java := oracle.Require(t, "java")
	javac := oracle.Require(t, "javac")
	t.Logf("oracle: %s", oracle.Version(java, "-version"))
	compiled.once.Do(func() {
		compiled.dir, compiled.err = os.MkdirTemp("", "jvmflags-oracle-")
		if compiled.err != nil {
			return
		}
		compiled.out, compiled.err = exec.Command(javac, "-d", compiled.dir,
			filepath.Join("testdata", "Props.java"), filepath.Join("testdata", "Fetch.java")).CombinedOutput()
		if compiled.err == nil {
			compiled.err = writeJar(filepath.Join(compiled.dir, "props.jar"), filepath.Join(compiled.dir, "Props.class"))
		}
	})
	require.NoError(t, compiled.err, "javac: %s", compiled.out)
	return javaRun{java: java, classes: compiled.dir, jar: filepath.Join(compiled.dir, "props.jar")}
}

// writeJar writes an executable jar with Props as its Main-Class, without
// the jar tool (one process fewer).
func writeJar(path, class string) error {
	b, err := os.ReadFile(class)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"META-INF/MANIFEST.MF", []byte("Manifest-Version: 1.0\r\nMain-Class: Props\r\n\r\n")},
		{"Props.class", b},
	} {
		w, err := z.Create(f.name)
		if err != nil {
			return err
		}
		if _, err := w.Write(f.data); err != nil {
			return err
		}
	}
	if err := z.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// report is what Props prints: its arguments and every system property.
type report struct {
	args  []string
	props map[string]string
}

// run starts argv (argv[0] replaced by the java found) with extra environment
// variables and decodes Props' report.
func (j javaRun) run(t *testing.T, argv []string, env ...string) report {
	t.Helper()
	cmd := exec.Command(j.java, argv[1:]...)
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "JAVA_TOOL_OPTIONS=") || strings.HasPrefix(kv, "JDK_JAVA_OPTIONS=") || strings.HasPrefix(kv, "_JAVA_OPTIONS=")
	}), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "java %q: %s", argv[1:], stderr.String())
	r := report{props: make(map[string]string)}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), " ")
		dec := func(s string) string {
			b, err := hex.DecodeString(s)
			require.NoError(t, err)
			return string(b)
		}
		switch {
		case f[0] == "arg" && len(f) == 2:
			r.args = append(r.args, dec(f[1]))
		case f[0] == "prop" && len(f) == 3:
			r.props[dec(f[1])] = dec(f[2])
		default:
			t.Fatalf("unexpected line %q", sc.Text())
		}
	}
	return r
}

// check asserts that the JVM saw every property of want with its exact value.
func (r report) check(t *testing.T, want []jvmflags.Property) {
	t.Helper()
	for _, p := range want {
		got, ok := r.props[p.Key]
		if assert.True(t, ok, "JVM lacks %s", p.Key) {
			assert.Equal(t, p.Value, got, "JVM value of %s", p.Key)
		}
	}
}

// oracleProperties is everything the package writes for a node behind a
// proxy, plus the nasty values.
func oracleProperties(t *testing.T) []jvmflags.Property {
	t.Helper()
	s, _, err := proxyenv.FromEnvironment([]string{
		"http_proxy=http://user:pw@proxy.corp:3128", "https_proxy=proxy.corp:3129",
		"no_proxy=localhost,.corp,10.0.0.0/8,*.svc.cluster.local",
	})
	require.NoError(t, err)
	ps, err := jvmflags.ProxyProperties(s)
	require.NoError(t, err)
	ts, err := jvmflags.TrustStoreProperties(jvmflags.Store{Path: "/etc/pki/java/with space.p12", Type: "PKCS12", Password: proxyenv.NewSecret(`p@ss "w'rd" $x %y`)})
	require.NoError(t, err)
	return slices.Concat(ps.List, ts.List, nasty)
}

// appArgs look like flags but follow the main class: the JVM must hand them
// to the application untouched.
var appArgs = []string{"-Dhttp.proxyHost=app-arg", "-admin.port=127.0.0.1:9990", "a b"}

// appArgsUnit are appArgs as an ExecStart= line writes them.
var appArgsUnit = []string{"-Dhttp.proxyHost=app-arg", "-admin.port=127.0.0.1:9990", `"a b"`}

// TestJVMOracle runs the command lines the package produces on the real
// JVM — one launch per way of passing the flags — and checks that it reports
// exactly the intended values.
func TestJVMOracle(t *testing.T) {
	j := newJavaRun(t)
	props := oracleProperties(t)
	tunnel := jvmflags.AllowTunnelingSchemes()

	t.Run("command line with main class, owner's NTLM kept, old flags replaced", func(t *testing.T) {
		argv := slices.Concat([]string{"java", "-Xmx64m", "-Dhttp.proxyHost=old", "-Djdk.http.auth.tunneling.disabledSchemes=NTLM",
			"-Dt.space=old", "-classpath", j.classes, "Props"}, appArgs)
		patch := jvmflags.Patch{Set: append(slices.Clone(props), tunnel), Before: []string{"-classpath"}}
		got, kept, err := patch.Apply(argv)
		require.NoError(t, err)
		require.Len(t, kept, 1)
		r := j.run(t, got)
		r.check(t, props)
		assert.Equal(t, "NTLM", r.props[jvmflags.TunnelingDisabledSchemes])
		assert.Equal(t, appArgs, r.args)
	})

	t.Run("owner's flag with the kept value stays where it was", func(t *testing.T) {
		argv := slices.Concat([]string{"java", "-Djdk.http.auth.tunneling.disabledSchemes=", "-Xmx64m", "-Dhttp.proxyHost=old",
			"-classpath", j.classes, "Props"}, appArgs)
		patch := jvmflags.Patch{Set: append(slices.Clone(props), tunnel), Before: []string{"-classpath"}}
		got, kept, err := patch.Apply(argv)
		require.NoError(t, err)
		require.Empty(t, kept)
		require.Equal(t, argv[:3], got[:3], "the owner's flag is not moved")
		require.Equal(t, 1, strings.Count(strings.Join(got, "\n"), "-D"+jvmflags.TunnelingDisabledSchemes))
		r := j.run(t, got)
		r.check(t, append(slices.Clone(props), tunnel))
		assert.Equal(t, appArgs, r.args)
	})

	t.Run("-jar with a flag between -jar and the file", func(t *testing.T) {
		argv := slices.Concat([]string{"java", "-jar", "-Dt.single=old", j.jar}, appArgs)
		patch := jvmflags.Patch{Set: append(slices.Clone(props), tunnel)}
		got, kept, err := patch.Apply(argv)
		require.NoError(t, err)
		require.Empty(t, kept)
		r := j.run(t, got)
		r.check(t, append(slices.Clone(props), tunnel))
		assert.Equal(t, appArgs, r.args)
	})

	t.Run("ExecStart drop-in read by systemd-analyze", func(t *testing.T) {
		analyze := oracle.Require(t, "systemd-analyze")
		t.Logf("oracle: %s", oracle.Version(analyze))
		unit := "[Service]\nEnvironment=CLASSES=" + j.classes + "\n" +
			"Environment=\"JAVA_OPTS=-Xss1m -Dt.opts=from-env\"\n" +
			"ExecStart=/usr/bin/java $JAVA_OPTS -Xmx64m \\\n    -Djdk.http.auth.tunneling.disabledSchemes=\"NTLM\" \\\n" +
			"    -Dhttp.proxyHost=old -classpath ${CLASSES} Props \\\n    " + strings.Join(appArgsUnit, " ") + "\n"
		f, err := systemdunit.ParseNamed("props.service", []byte(unit))
		require.NoError(t, err)
		u := systemdunit.Merge("props.service", f)
		edit, kept, err := jvmflags.Patch{Set: append(slices.Clone(props), tunnel), Before: []string{"-classpath"}}.DropIn(u)
		require.NoError(t, err)
		require.Len(t, kept, 1)
		dropin, err := edit(nil)
		require.NoError(t, err)

		argv, env := systemdExecStart(t, analyze, "props.service", []byte(unit), dropin)
		r := j.run(t, expandExec(t, argv, env))
		r.check(t, props)
		assert.Equal(t, "NTLM", r.props[jvmflags.TunnelingDisabledSchemes])
		assert.Equal(t, "from-env", r.props["t.opts"], "$JAVA_OPTS still split into options")
		assert.Equal(t, appArgs, r.args)
	})

	t.Run("JAVA_TOOL_OPTIONS", func(t *testing.T) {
		old := `-Xss1m -Dhttp.proxyHost=old '-Dt.both=old value'`
		patch := jvmflags.Patch{Set: append(slices.Clone(props), tunnel)}
		value, _, err := patch.ApplyToolOptions(old)
		require.NoError(t, err)
		r := j.run(t, slices.Concat([]string{"java", "-cp", j.classes, "Props"}, appArgs), "JAVA_TOOL_OPTIONS="+value)
		r.check(t, append(slices.Clone(props), tunnel))
		assert.Equal(t, appArgs, r.args)
	})

	t.Run("JDK_JAVA_OPTIONS, same quoting", func(t *testing.T) {
		value, err := jvmflags.FormatToolOptions(jvmflags.Flags(props))
		require.NoError(t, err)
		r := j.run(t, slices.Concat([]string{"java", "-cp", j.classes, "Props"}, appArgs), "JDK_JAVA_OPTIONS="+value)
		r.check(t, props)
		assert.Equal(t, appArgs, r.args)
	})
}

// launcherCases are command lines as services write them, with symbolic
// paths: {classes} holds Props.class, {jar} is an executable jar of it,
// {empty} an empty directory.
var launcherCases = [][]string{
	{"java", "-Xmx64m", "-XX:+UseSerialGC", "-Da=1", "-classpath", "{classes}:/opt/none/*", "Props", "-admin.port=1", "-Dhttp.proxyHost=x"},
	{"java", "-jar", "-Da=1", "{jar}", "-Db", "-jar", "x"},
	{"java", "-Da=1", "-jar", "{jar}"},
	{"java", "-p", "{empty}", "--add-modules", "java.sql", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
		"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-reads", "java.sql=ALL-UNNAMED",
		"--limit-modules", "java.base,java.sql,jdk.compiler", "--upgrade-module-path", "{empty}",
		"-m", "jdk.compiler/com.sun.tools.javac.Main", "-version", "-m"},
	{"java", "--module-path={empty}", "--module=jdk.compiler/com.sun.tools.javac.Main", "x"},
	{"java", "--enable-native-access", "ALL-UNNAMED", "--class-path", "{classes}", "-verbose:gc", "Props", "-cp", "x"},
	{"java", "--source", "17", "-cp", "{classes}", "Nope", "z"},
	{"java", "-cp", "{classes}", "-Dk=v", "Props", "@notafile"}, // not expanded after the main class
	{"java", "-Dx=1", "-cp", "", "-Xss1m", "Props", "a b"},      // an empty operand is an operand
	// --disable-@files is left out: JDK 17 passes it to the VM, which
	// refuses it (JDK-8293041, fixed in JDK 20).
}

// launcherAnswer is the launcher's reading of one case, as recorded in
// testdata/launcher.json.
type launcherAnswer struct {
	Argv []string `json:"argv"`
	Mode string   `json:"mode"` // "Main class", "JAR file", "Module", "Source"
	What string   `json:"what"` // the class, jar or module (for Source, the source launcher)
	Args []string `json:"args"` // the application's arguments (for Source, the file first)
}

var launcherGolden = filepath.Join("testdata", "launcher.json")

// trace runs argv with --dry-run (the main class is loaded, never run) and
// _JAVA_LAUNCHER_DEBUG, and reads the launcher's view of it.
func (j javaRun) trace(t *testing.T, argv []string) launcherAnswer {
	t.Helper()
	cmd := exec.Command(j.java, append([]string{"--dry-run"}, argv[1:]...)...)
	cmd.Env = append(os.Environ(), "_JAVA_LAUNCHER_DEBUG=1")
	out, _ := cmd.CombinedOutput() // a missing main class fails after the trace
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		mode, what, ok := strings.Cut(l, " is '")
		if !ok || !slices.Contains([]string{"Main class", "JAR file", "Module", "Source"}, mode) {
			continue
		}
		v := launcherAnswer{Mode: mode, What: strings.TrimSuffix(what, "'"), Args: []string{}}
		for _, a := range lines[i+2:] {
			_, val, ok := strings.Cut(a, "] = '")
			if !strings.HasPrefix(a, "    argv[") || !ok {
				break
			}
			v.Args = append(v.Args, strings.TrimSuffix(val, "'"))
		}
		return v
	}
	t.Fatalf("no launcher trace for %q:\n%s", argv, out)
	return launcherAnswer{}
}

// TestLauncherRecording runs every launcher case through the real java
// launcher and checks its reading against testdata/launcher.json (rewritten
// with -update), so that TestParseCommandAgreesWithLauncher means something
// where java is missing.
func TestLauncherRecording(t *testing.T) {
	j := newJavaRun(t)
	empty := t.TempDir()
	real := strings.NewReplacer("{classes}", j.classes, "{jar}", filepath.Join(j.classes, "props.jar"), "{empty}", empty)
	symbolic := strings.NewReplacer(filepath.Join(j.classes, "props.jar"), "{jar}", j.classes, "{classes}", empty, "{empty}")
	got := make([]launcherAnswer, len(launcherCases))
	var wg sync.WaitGroup
	for i, argv := range launcherCases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := make([]string, len(argv))
			for k, w := range argv {
				r[k] = real.Replace(w)
			}
			a := j.trace(t, r)
			a.Argv, a.What = argv, symbolic.Replace(a.What)
			for k := range a.Args {
				a.Args[k] = symbolic.Replace(a.Args[k])
			}
			got[i] = a
		}()
	}
	wg.Wait()
	if *update {
		data, err := json.MarshalIndent(launcherRecording{Oracle: oracle.Version(j.java, "-version"), Cases: got}, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(launcherGolden, append(data, '\n'), 0o644))
	}
	want := readLauncherRecording(t)
	assert.Equal(t, want.Cases, got, "the launcher (%s) reads the cases differently from the recording (%s); rerun with -update and review",
		oracle.Version(j.java, "-version"), want.Oracle)
}

// launcherRecording is testdata/launcher.json.
type launcherRecording struct {
	Oracle string           `json:"oracle"` // the java that answered
	Cases  []launcherAnswer `json:"cases"`
}

func readLauncherRecording(t *testing.T) launcherRecording {
	t.Helper()
	data, err := os.ReadFile(launcherGolden)
	require.NoError(t, err)
	var r launcherRecording
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

// TestParseCommandAgreesWithLauncher checks ParseCommand's terminal and
// application arguments against the java launcher's own reading of the same
// command lines, as recorded from its _JAVA_LAUNCHER_DEBUG trace.
func TestParseCommandAgreesWithLauncher(t *testing.T) {
	answers := readLauncherRecording(t).Cases
	require.Len(t, answers, len(launcherCases), "recording out of date; run go test -run TestLauncherRecording -update")
	kinds := map[jvmflags.MainKind]string{jvmflags.MainClass: "Main class", jvmflags.JarFile: "JAR file", jvmflags.Module: "Module", jvmflags.SourceFile: "Source"}
	for _, a := range answers {
		t.Run(strings.Join(a.Argv[1:3], " "), func(t *testing.T) {
			c, err := jvmflags.ParseCommand(a.Argv)
			require.NoError(t, err)
			m := c.Main()
			assert.Equal(t, a.Mode, kinds[m.Kind])
			args := a.Args
			if m.Kind == jvmflags.SourceFile {
				require.NotEmpty(t, args)
				assert.Equal(t, args[0], m.Value)
				args = args[1:]
			} else {
				assert.Equal(t, a.What, m.Value)
			}
			assert.Equal(t, args, c.Args())
		})
	}
}

// systemdExecStart writes the unit and its drop-in under a fresh root, has
// systemd-analyze verify load them and dump the unit, and returns the
// ExecStart= command line as systemd stores it (specifiers resolved, "$"
// references and "$$" not yet) and the unit's environment.
func systemdExecStart(t *testing.T, analyze, name string, unit, dropin []byte) (argv []string, env map[string]string) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "etc", "systemd", "system")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, name+".d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), unit, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".d", "proxy.conf"), dropin, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr", "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr", "bin", "java"), []byte("#!/bin/sh\n"), 0o755))
	cmd := exec.Command(analyze, "--root="+root, "verify", "--man=no", "--generators=no", "--recursive-errors=no", name)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "systemd-analyze: %s", out)
	env = make(map[string]string)
	inExecStart := false
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "\t\tEnvironment: "); ok {
			k, val, _ := strings.Cut(v, "=")
			env[k] = val
		}
		if strings.HasPrefix(line, "\t\t-> ") {
			inExecStart = line == "\t\t-> ExecStart:"
		}
		if v, ok := strings.CutPrefix(line, "\t\t\tCommand Line: "); ok && inExecStart {
			require.Nil(t, argv, "one ExecStart command")
			argv = splitCommandLine(t, v)
		}
	}
	require.NotNil(t, argv, "no ExecStart command line in the dump:\n%s", out)
	return argv, env
}

// splitCommandLine reads the command line systemd's dump prints: words
// separated by a space, in double quotes where needed, with C escapes.
func splitCommandLine(t *testing.T, s string) []string {
	t.Helper()
	var argv []string
	for s != "" {
		if s[0] == ' ' {
			s = s[1:]
			continue
		}
		if s[0] != '"' {
			w, rest, _ := strings.Cut(s, " ")
			argv, s = append(argv, w), rest
			continue
		}
		var w strings.Builder
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] != '\\' {
				w.WriteByte(s[i])
				continue
			}
			i++
			require.Less(t, i, len(s), "escape at the end of %q", s)
			switch c := s[i]; c {
			case 't':
				w.WriteByte('\t')
			case 'n':
				w.WriteByte('\n')
			case 'x':
				b, err := hex.DecodeString(s[i+1 : i+3])
				require.NoError(t, err)
				w.Write(b)
				i += 2
			default:
				w.WriteByte(c)
			}
		}
		require.Less(t, i, len(s), "unterminated quote in %q", s)
		argv, s = append(argv, w.String()), s[i+1:]
	}
	return argv
}

// expandExec does systemd's substitution when the service starts: "$$" is
// "$", ${NAME} the variable's value, and a whole-word $NAME its value split
// at white space.
func expandExec(t *testing.T, argv []string, env map[string]string) []string {
	t.Helper()
	var out []string
	for _, w := range argv {
		if len(w) > 1 && w[0] == '$' && w[1] != '$' && w[1] != '{' {
			out = append(out, strings.Fields(env[w[1:]])...)
			continue
		}
		var b strings.Builder
		for i := 0; i < len(w); i++ {
			switch {
			case strings.HasPrefix(w[i:], "$$"):
				b.WriteByte('$')
				i++
			case strings.HasPrefix(w[i:], "${"):
				end := strings.IndexByte(w[i:], '}')
				require.Positive(t, end, "unclosed ${ in %q", w)
				b.WriteString(env[w[i+2:i+end]])
				i += end
			default:
				b.WriteByte(w[i])
			}
		}
		out = append(out, b.String())
	}
	return out
}

// TestJVMUsesTheProxies runs a JVM with the properties ProxyProperties
// writes against loopback servers: a proxy for http, a proxy for https on
// another port, and a server reached directly. It checks where the JVM's
// requests go: http to the first proxy, https (CONNECT) to the second — its
// own port, not 443 — and a no_proxy host to the direct server. The JVM
// resolves names through a hosts file of the test's (jdk.net.hosts.file),
// so everything stays on loopback.
func TestJVMUsesTheProxies(t *testing.T) {
	j := newJavaRun(t)
	type hit struct{ server, method, host string }
	var (
		mu   sync.Mutex
		hits []hit
	)
	server := func(name string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits = append(hits, hit{name, r.Method, r.Host})
			mu.Unlock()
			if r.Method == http.MethodConnect {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}
	httpProxy, httpsProxy, direct := server("http proxy"), server("https proxy"), server("direct")
	_, directPort, err := net.SplitHostPort(direct)
	require.NoError(t, err)
	hosts := filepath.Join(t.TempDir(), "hosts")
	require.NoError(t, os.WriteFile(hosts, []byte("127.0.0.1 direct.corp\n"), 0o644))

	s, _, err := proxyenv.FromEnvironment([]string{"http_proxy=http://" + httpProxy, "https_proxy=" + httpsProxy, "no_proxy=.corp"})
	require.NoError(t, err)
	ps, err := jvmflags.ProxyProperties(s)
	require.NoError(t, err)
	argv, _, err := jvmflags.Patch{Set: append(ps.List, jvmflags.Property{Key: "jdk.net.hosts.file", Value: hosts})}.Apply(
		[]string{"java", "-cp", j.classes, "Fetch", "http://a.example/", "https://b.example/", "http://direct.corp:" + directPort + "/"})
	require.NoError(t, err)

	out, err := exec.Command(j.java, argv[1:]...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 3, "%s", out)
	assert.Equal(t, "http://a.example/ 204", lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "https://b.example/ "), lines[1])
	assert.True(t, strings.HasSuffix(lines[2], " 204"), lines[2])
	mu.Lock()
	defer mu.Unlock()
	assert.ElementsMatch(t, []hit{
		{"http proxy", http.MethodGet, "a.example"},
		{"https proxy", http.MethodConnect, "b.example:443"},
		{"direct", http.MethodGet, "direct.corp:" + directPort},
	}, hits)
}

// TestJVMBasicProxyAuthForHTTPSNeedsTunnelingSchemes shows why
// AllowTunnelingSchemes exists: against a proxy that asks for Basic
// authentication, the JVM (with an application Authenticator) answers a
// CONNECT's challenge only when jdk.http.auth.tunneling.disabledSchemes is
// empty; by default (since 8u111) it gives up.
func TestJVMBasicProxyAuthForHTTPSNeedsTunnelingSchemes(t *testing.T) {
	j := newJavaRun(t)
	var (
		mu    sync.Mutex
		auths []string // Proxy-Authorization of each CONNECT, "" when none
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Proxy-Authorization")
		mu.Lock()
		auths = append(auths, auth)
		mu.Unlock()
		if auth == "" {
			w.Header().Set("Proxy-Authenticate", `Basic realm="proxykit"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		w.WriteHeader(http.StatusForbidden) // authenticated; no tunnel needed
	}))
	defer srv.Close()

	s, _, err := proxyenv.FromEnvironment([]string{"https_proxy=http://svc:s3cret@" + srv.Listener.Addr().String()})
	require.NoError(t, err)
	ps, err := jvmflags.ProxyProperties(s)
	require.NoError(t, err)
	require.NotEmpty(t, ps.Warnings, "credentials are not written, but warned about")
	app := []jvmflags.Property{{Key: "fetch.user", Value: "svc"}, {Key: "fetch.password", Value: "s3cret"}}

	for _, tt := range []struct {
		name  string
		extra []jvmflags.Property
		want  []string
	}{
		{"default: Basic disabled for tunnelling", nil, []string{""}},
		{"AllowTunnelingSchemes", []jvmflags.Property{jvmflags.AllowTunnelingSchemes()}, []string{"", "Basic c3ZjOnMzY3JldA=="}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			auths = nil
			mu.Unlock()
			argv, _, err := jvmflags.Patch{Set: slices.Concat(ps.List, app, tt.extra)}.Apply(
				[]string{"java", "-cp", j.classes, "Fetch", "https://b.example/"})
			require.NoError(t, err)
			out, err := exec.Command(j.java, argv[1:]...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, tt.want, auths)
		})
	}
}
