package proxyenv_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

// credCase is a user name and password holding characters that some format
// treats specially.
type credCase struct {
	name       string
	user, pass string
}

func (c credCase) String() string { return c.name }

// check is one reading of a credential case: the proxy URL a reader saw.
type check struct {
	c      credCase
	format string
	url    string // the proxy URL the reader saw
}

// credCases puts each of @ : % / # $ ! ; " ' \, a space and '~' into a user name
// and a password, then all of them at once, then a literal "%41" (which
// must not be decoded twice).
func credCases() []credCase {
	var cs []credCase
	for _, c := range []string{"@", ":", "%", "/", "#", "$", "!", ";", `"`, "'", `\`, " ", "~"} {
		cs = append(cs, credCase{fmt.Sprintf("char %q", c), "u" + c + "ser", "Pa" + c + "ss-Q7"})
	}
	all := `@:%/#$!;"'\ `
	cs = append(cs,
		credCase{"all", "us" + all + "r", "Pw" + all + "Z9"},
		credCase{"percent escape", "u%41", "Pw%41%zz-K3"},
	)
	return cs
}

// proxyListener is a loopback HTTP proxy that answers every request and
// records the Proxy-Authorization header by requested host.
type proxyListener struct {
	addr string
	mu   sync.Mutex
	auth map[string]string // request host → decoded "user:password"
	uri  map[string]string // request host → request URI (absolute when sent to a proxy)
}

func startProxyListener(t *testing.T) *proxyListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxyListener{addr: ln.Addr().String(), auth: make(map[string]string), uri: make(map[string]string)}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Proxy-Authorization")
		dec, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		p.mu.Lock()
		p.auth[r.Host] = string(dec)
		p.uri[r.Host] = r.RequestURI
		p.mu.Unlock()
		w.Header().Set("Content-Length", "2")
		_, _ = w.Write([]byte("ok"))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

// curlAuth runs ONE curl process that fetches http://uN.test/ through each
// proxy URL (curl's --next), and returns what the proxy received for each
// URL as "user:password".
func curlAuth(t *testing.T, curl string, l *proxyListener, urls []string) map[string]string {
	t.Helper()
	args := []string{}
	for i, u := range urls {
		if i > 0 {
			args = append(args, "--next")
		}
		args = append(args, "-s", "-o", "/dev/null", "--max-time", "10", "--noproxy", "", "-x", u, fmt.Sprintf("http://u%d.test/", i))
	}
	cmd := exec.Command(curl, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "curl: %s", out)
	got := make(map[string]string)
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, u := range urls {
		got[u] = l.auth[fmt.Sprintf("u%d.test", i)]
	}
	return got
}

// readShell sources each file with bash ("set -a; . FILE") in a clean
// environment, in ONE bash process, and returns the variables of interest.
func readShell(t *testing.T, files []string) map[string]map[string]string {
	t.Helper()
	bash := oracle.Require(t, "bash")
	var script strings.Builder
	names := []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"}
	for _, f := range files {
		fmt.Fprintf(&script, "( set -a; . '%s' || exit 1; printf '%%s\\0' '%s'", f, f)
		for _, n := range names {
			fmt.Fprintf(&script, ` "${%s-<unset>}"`, n)
		}
		script.WriteString(" ) || exit 1\n")
	}
	cmd := exec.Command(bash, "--noprofile", "--norc", "-c", script.String())
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	require.NoError(t, err)
	fields := strings.Split(string(out), "\x00")
	got := make(map[string]map[string]string)
	for i := 0; i+len(names) < len(fields); i += len(names) + 1 {
		m := make(map[string]string)
		for j, n := range names {
			m[n] = fields[i+1+j]
		}
		got[fields[i]] = m
	}
	require.Len(t, got, len(files))
	return got
}

// pyReader is the python3 program that reads JSON, YAML and ini files, ONE
// process for all of them: its input is a JSON list of [kind, path], its
// output a JSON list of objects, and for every proxy URL in them the user
// name and password as requests (conda's HTTP library) takes them from a
// proxy URL: urlparse, then unquote.
const pyReader = `
import configparser, json, sys
from urllib.parse import urlparse, unquote
try:
    import yaml
except ImportError:
    yaml = None
out = []
creds = {}
def walk(v):
    if isinstance(v, dict):
        for x in v.values():
            walk(x)
    elif isinstance(v, str) and "://" in v:
        p = urlparse(v)
        creds[v] = [unquote(p.username or ""), unquote(p.password or "")]
for kind, path in json.load(sys.stdin):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if kind == "json":
        out.append(json.loads(text))
    elif kind == "yaml":
        out.append(yaml.safe_load(text) if yaml else None)
    elif kind == "ini":
        p = configparser.RawConfigParser()
        p.read_string(text)
        out.append(dict(p["main"]))
    walk(out[-1])
json.dump({"yaml": yaml is not None, "out": out, "creds": creds}, sys.stdout)
`

// TestCredentialsReadBackByRealReaders writes every format for each
// credential case and reads the files back with the consumers' real
// readers: bash for the shell-style files, python3's json, yaml and
// configparser, apt-config for apt. The proxy URL each reader sees goes to
// curl, whose Proxy-Authorization header, as received by a loopback proxy,
// must hold the original user name and password; Go's net/url and python's
// urlparse+unquote (requests, so conda) must decode them too.
func TestCredentialsReadBackByRealReaders(t *testing.T) {
	curl := oracle.Require(t, "curl")
	python := oracle.Require(t, "python3")
	t.Logf("curl: %s", oracle.Version(curl))
	t.Logf("python3: %s", oracle.Version(python))
	l := startProxyListener(t)
	host, port, _ := net.SplitHostPort(l.addr)
	dir := t.TempDir()

	var checks []check
	type pyFile struct {
		c                  credCase
		format, kind, path string
	}
	var pyFiles []pyFile
	shellFiles := map[string]check{}
	aptFiles := map[string]check{}
	var pamFiles []check     // format holds the path
	var systemdFiles []check // format holds the path

	for i, c := range credCases() {
		p := proxyenv.Proxy{Scheme: "http", Host: host, Port: port, Username: c.user, Password: proxyenv.NewSecret(c.pass)}
		s := proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p, NoProxy: proxyenv.ParseNoProxy("localhost,.corp")}
		for _, f := range fileFormats {
			edit, _, err := f.make(s)
			require.NoError(t, err, "%s %s", f.name, c)
			out, err := edit(f.minimal)
			require.NoError(t, err, "%s %s", f.name, c)
			path := filepath.Join(dir, fmt.Sprintf("case%d.%s", i, f.name))
			require.NoError(t, os.WriteFile(path, out, 0o600))
			switch f.name {
			case "etc-environment", "profile", "dcos-proxy-env":
				shellFiles[path] = check{c: c, format: f.name}
				if f.name != "profile" {
					systemdFiles = append(systemdFiles, check{c: c, format: path})
				}
				if f.name == "etc-environment" {
					// pam_env's reading, modelled (see pamEnvRead), and the
					// real pam_env below.
					env := pamEnvRead(out)
					checks = append(checks, check{c, "etc-environment (pam_env model)", env["http_proxy"]}, check{c, "etc-environment (pam_env model)", env["HTTPS_PROXY"]})
					pamFiles = append(pamFiles, check{c: c, format: path})
				}
			case "yum", "dnf":
				pyFiles = append(pyFiles, pyFile{c, f.name, "ini", path})
			case "daemon-json", "client-config":
				pyFiles = append(pyFiles, pyFile{c, f.name, "json", path})
			case "condarc":
				pyFiles = append(pyFiles, pyFile{c, f.name, "yaml", path})
			case "apt":
				aptFiles[path] = check{c: c, format: f.name}
			}
		}
		env, _ := s.DockerDaemonEnv()
		args, _ := s.DockerBuildArgs()
		for _, kv := range append(env, args...) {
			if name, v, _ := strings.Cut(kv, "="); strings.HasSuffix(strings.ToLower(name), "_proxy") && name != "NO_PROXY" && name != "no_proxy" {
				checks = append(checks, check{c, "docker env/build args " + name, v})
			}
		}
	}

	// pam_env itself, once, where libpam is installed.
	var envPaths []string
	for _, f := range pamFiles {
		envPaths = append(envPaths, f.format)
	}
	if envs, ok := readPAMEnv(t, python, envPaths); ok {
		for i, f := range pamFiles {
			for _, n := range []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"} {
				checks = append(checks, check{f.c, "etc-environment (pam_env) " + n, envs[i][n]})
			}
			require.Equal(t, "localhost,.corp", envs[i]["no_proxy"])
		}
	}

	// systemd's environment-file parser, where installed: the reader of
	// proxy.env, and of /etc/environment for units that name it.
	var sdPaths []string
	for _, f := range systemdFiles {
		sdPaths = append(sdPaths, f.format)
	}
	if envs, ok := readSystemdEnv(t, sdPaths); ok {
		for i, f := range systemdFiles {
			for _, n := range []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"} {
				checks = append(checks, check{f.c, filepath.Ext(f.format)[1:] + " (systemd) " + n, envs[i][n]})
			}
		}
	}

	// bash, once.
	var paths []string
	for p := range shellFiles {
		paths = append(paths, p)
	}
	for path, vars := range readShell(t, paths) {
		ck := shellFiles[path]
		for _, n := range []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"} {
			checks = append(checks, check{ck.c, ck.format + " (bash) " + n, vars[n]})
		}
		require.Equal(t, "localhost,.corp", strings.TrimSuffix(vars["no_proxy"], ",.mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1"), ck.format)
	}

	// python3, once.
	var list [][2]string
	for _, f := range pyFiles {
		list = append(list, [2]string{f.kind, f.path})
	}
	in, _ := json.Marshal(list)
	cmd := exec.Command(python, "-c", pyReader)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var res struct {
		YAML  bool
		Out   []map[string]any
		Creds map[string][2]string
	}
	require.NoError(t, json.Unmarshal(out, &res))
	if !res.YAML {
		t.Log("python3 has no yaml module: reading .condarc with go.yaml.in/yaml/v3 instead")
	}
	for i, f := range pyFiles {
		got := res.Out[i]
		switch f.format {
		case "yum", "dnf":
			require.Equal(t, f.c.user, got["proxy_username"], "%s %s", f.format, f.c)
			require.Equal(t, f.c.pass, got["proxy_password"], "%s %s: password read back differs", f.format, f.c)
			require.Equal(t, "http://"+l.addr, got["proxy"], f.format)
		case "daemon-json":
			ps := got["proxies"].(map[string]any)
			checks = append(checks, check{f.c, "daemon.json (python json) http-proxy", ps["http-proxy"].(string)}, check{f.c, "daemon.json https-proxy", ps["https-proxy"].(string)})
		case "client-config":
			ps := got["proxies"].(map[string]any)["default"].(map[string]any)
			checks = append(checks, check{f.c, "config.json (python json) httpProxy", ps["httpProxy"].(string)}, check{f.c, "config.json httpsProxy", ps["httpsProxy"].(string)})
		case "condarc":
			if !res.YAML {
				b, err := os.ReadFile(f.path)
				require.NoError(t, err)
				require.NoError(t, yaml.Unmarshal(b, &got))
			}
			ps := got["proxy_servers"].(map[string]any)
			checks = append(checks, check{f.c, ".condarc (yaml) http", ps["http"].(string)}, check{f.c, ".condarc (yaml) https", ps["https"].(string)})
		}
	}

	// apt-config, where installed (Debian family): one run per file.
	if aptConfig, err := exec.LookPath("apt-config"); err == nil {
		t.Logf("apt-config: %s", oracle.Version(aptConfig))
		re := regexp.MustCompile(`(?m)^Acquire::(https?)::Proxy "([^"]*)";$`)
		for path, ck := range aptFiles {
			out, err := exec.Command(aptConfig, "-c", path, "dump", "Acquire").Output()
			require.NoError(t, err)
			ms := re.FindAllStringSubmatch(string(out), -1)
			require.Len(t, ms, 2, "%s", out)
			for _, m := range ms {
				checks = append(checks, check{ck.c, "apt (apt-config) " + m[1], m[2]})
			}
		}
		aptFetch(t, l, aptFiles)
	} else {
		t.Log("apt-config not installed: apt files not read back")
	}

	// curl, once, for every distinct URL the readers saw.
	seen := map[string]bool{}
	var urls []string
	for _, ck := range checks {
		require.NotEmpty(t, ck.url, "%s %s: no proxy URL read back", ck.format, ck.c)
		if !seen[ck.url] {
			seen[ck.url] = true
			urls = append(urls, ck.url)
		}
	}
	auth := curlAuth(t, curl, l, urls)
	for _, ck := range checks {
		t.Run(ck.c.name+"/"+ck.format, func(t *testing.T) {
			require.Equal(t, ck.c.user+":"+ck.c.pass, auth[ck.url], "what curl sent as Proxy-Authorization")
			// Go's reading (dockerd, containerd, every Go daemon).
			u, err := url.Parse(ck.url)
			require.NoError(t, err)
			pass, _ := u.User.Password()
			require.Equal(t, [2]string{ck.c.user, ck.c.pass}, [2]string{u.User.Username(), pass}, "Go's net/url")
			// requests' reading (conda), for the URLs python read.
			if py, ok := res.Creds[ck.url]; ok {
				require.Equal(t, [2]string{ck.c.user, ck.c.pass}, py, "python urlparse + unquote")
			}
		})
	}
	t.Logf("%d checks over %d credential cases, %d distinct URLs, one curl run", len(checks), len(credCases()), len(urls))
}

// environmentGenerators are where systemd installs its environment.d
// generator, which reads environment files with the parser of
// EnvironmentFile= (and then expands $VAR, which proxy.env never holds).
var environmentGenerators = []string{
	"/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator",
	"/lib/systemd/user-environment-generators/30-systemd-environment-d-generator",
}

// shellEscape is a backslash escape inside double quotes.
var shellEscape = regexp.MustCompile(`\\(.)`)

// readSystemdEnv reads each file as systemd reads an environment file: the
// file becomes the only environment.d file of an XDG_CONFIG_HOME, and ONE
// bash process runs the generator once per file. It returns false where
// systemd is not installed.
func readSystemdEnv(t *testing.T, files []string) ([]map[string]string, bool) {
	t.Helper()
	gen := ""
	for _, g := range environmentGenerators {
		if _, err := os.Stat(g); err == nil {
			gen = g
			break
		}
	}
	if gen == "" {
		t.Log("systemd's environment.d generator not installed: proxy.env not read by systemd's parser")
		return nil, false
	}
	bash := oracle.Require(t, "bash")
	dir := t.TempDir()
	var script strings.Builder
	for i, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		d := filepath.Join(dir, fmt.Sprint(i))
		require.NoError(t, os.MkdirAll(filepath.Join(d, "environment.d"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "environment.d", "10-proxy.conf"), b, 0o600))
		fmt.Fprintf(&script, "env -i XDG_CONFIG_HOME='%s' HOME=/nonexistent '%s' || exit 1; printf '\\0'\n", d, gen)
	}
	out, err := exec.Command(bash, "--noprofile", "--norc", "-c", script.String()).Output()
	require.NoError(t, err)
	parts := strings.Split(string(out), "\x00")
	require.Len(t, parts, len(files)+1)
	var envs []map[string]string
	for _, part := range parts[:len(files)] {
		env := make(map[string]string)
		for _, l := range strings.Split(part, "\n") {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' { // the generator quotes for sh
				v = shellEscape.ReplaceAllString(v[1:len(v)-1], "$1")
			}
			env[k] = v
		}
		envs = append(envs, env)
	}
	return envs, true
}

// aptHelper is where Debian's apt installs the helper that downloads one
// file through apt's own acquire methods.
const aptHelper = "/usr/lib/apt/apt-helper"

// aptFetch makes apt itself download http://aptN.test/ through the proxy of
// each apt file (apt-helper download-file with the file as configuration)
// and checks the Proxy-Authorization apt sent: apt decodes the URL's
// credentials as curl does.
func aptFetch(t *testing.T, l *proxyListener, files map[string]check) {
	t.Helper()
	if _, err := os.Stat(aptHelper); err != nil {
		t.Log("apt-helper not installed: apt's own requests not checked")
		return
	}
	dir := t.TempDir()
	type run struct {
		ck   check
		host string
		out  []byte
		err  error
	}
	var runs []*run
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4) // apt-helper waits on the network more than the CPU
	for path, ck := range files {
		r := &run{ck: ck, host: fmt.Sprintf("apt%d.test", len(runs))}
		runs = append(runs, r)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r.out, r.err = exec.CommandContext(ctx, aptHelper, "-c", path, "-o", "Acquire::Retries=0", "-o", "APT::Sandbox::User=root",
				"download-file", "http://"+r.host+"/x", filepath.Join(dir, r.host)).CombinedOutput()
		}()
	}
	// localhost is in the no-proxy list: apt must go to it directly.
	var direct *run
	for path := range files {
		direct = &run{host: "localhost:" + strings.TrimPrefix(l.addr, "127.0.0.1:")}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		direct.out, direct.err = exec.CommandContext(ctx, aptHelper, "-c", path, "-o", "Acquire::Retries=0", "-o", "APT::Sandbox::User=root",
			"download-file", "http://"+direct.host+"/direct", filepath.Join(dir, "direct")).CombinedOutput()
		cancel()
		break
	}
	wg.Wait()
	if direct != nil {
		require.NoError(t, direct.err, "apt-helper: %s", direct.out)
		l.mu.Lock()
		require.Equal(t, "/direct", l.uri[direct.host], "apt reached localhost directly (Acquire::http::Proxy::localhost \"DIRECT\")")
		l.mu.Unlock()
	}
	for _, r := range runs {
		require.NoError(t, r.err, "apt-helper: %s", r.out)
		l.mu.Lock()
		got := l.auth[r.host]
		l.mu.Unlock()
		t.Run(r.ck.c.name+"/apt (apt-helper download)", func(t *testing.T) {
			require.Equal(t, r.ck.c.user+":"+r.ck.c.pass, got, "what apt sent as Proxy-Authorization")
		})
	}
}

// pyPAMEnv opens a PAM session through libpam (python's ctypes, no root
// needed) for a service whose only module is pam_env reading one env file,
// for each file of its input (a JSON list of paths), and prints the PAM
// environment of each: the real pam_env's reading of /etc/environment.
const pyPAMEnv = `
import ctypes, json, os, sys, tempfile
try:
    libpam = ctypes.CDLL("libpam.so.0")
    libpam.pam_start_confdir
except (OSError, AttributeError):
    json.dump(None, sys.stdout)
    sys.exit(0)
class Handle(ctypes.Structure):
    _fields_ = [("p", ctypes.c_void_p)]
CONV = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
class Conv(ctypes.Structure):
    _fields_ = [("conv", CONV), ("appdata_ptr", ctypes.c_void_p)]
conv = Conv(CONV(lambda n, m, r, d: 19), None)  # PAM_CONV_ERR: nothing to ask
libpam.pam_getenvlist.restype = ctypes.POINTER(ctypes.c_char_p)
confdir = tempfile.mkdtemp()
out = []
for i, path in enumerate(json.load(sys.stdin)):
    svc = "proxykit%d" % i
    with open(os.path.join(confdir, svc), "w") as f:
        f.write("session required pam_env.so readenv=1 envfile=%s user_readenv=0 conffile=/dev/null\n" % path)
    h = Handle()
    if libpam.pam_start_confdir(svc.encode(), b"nobody", ctypes.byref(conv), confdir.encode(), ctypes.byref(h)) != 0:
        sys.exit("pam_start_confdir failed")
    if libpam.pam_open_session(h, 0) != 0:
        sys.exit("pam_open_session failed")
    env, lst, j = {}, libpam.pam_getenvlist(h), 0
    while lst[j]:
        k, _, v = lst[j].decode().partition("=")
        env[k] = v
        j += 1
    libpam.pam_end(h, 0)
    out.append(env)
json.dump(out, sys.stdout)
`

// readPAMEnv returns pam_env's reading of each file, or false where libpam
// (1.4 or later, for pam_start_confdir) is not installed.
func readPAMEnv(t *testing.T, python string, paths []string) ([]map[string]string, bool) {
	t.Helper()
	// pam_env takes the file in a module argument, and PAM splits module
	// arguments at blanks: read copies from a directory without any.
	dir, err := os.MkdirTemp("", "pamenv")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	if strings.ContainsAny(dir, " \t\n") {
		t.Logf("temporary directory %q has blanks: /etc/environment checked against the pam_env model only", dir)
		return nil, false
	}
	copies := make([]string, len(paths))
	for i, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		copies[i] = filepath.Join(dir, strconv.Itoa(i))
		require.NoError(t, os.WriteFile(copies[i], b, 0o600))
	}
	in, _ := json.Marshal(copies)
	cmd := exec.Command(python, "-c", pyPAMEnv)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var envs []map[string]string
	require.NoError(t, json.Unmarshal(out, &envs))
	if envs == nil {
		t.Log("libpam not installed: /etc/environment checked against the pam_env model only")
		return nil, false
	}
	require.Len(t, envs, len(paths))
	t.Logf("pam_env: read %d files through libpam", len(envs))
	return envs, true
}

// pamEnvRead reads an /etc/environment file as pam_env does (Linux-PAM
// pam_env.c, _assemble_line and _parse_env_file): a line whose first non-blank
// is '#' is skipped; everything from a '#' on is dropped; a line ending with
// a backslash continues; "export " is skipped; the name must be
// alphanumeric or '_'; a value starting with a quote loses its first
// character and a quote that is its last one, other characters are literal.
func pamEnvRead(b []byte) map[string]string {
	env := make(map[string]string)
	var logical []string
	acc := ""
	for _, l := range strings.Split(string(b), "\n") { // a CR stays in the value, as pam_env keeps it
		t := strings.TrimLeft(l, " \t")
		if acc == "" && strings.HasPrefix(t, "#") {
			continue
		}
		if i := strings.IndexByte(l, '#'); i >= 0 {
			logical = append(logical, acc+l[:i])
			acc = ""
			continue
		}
		if strings.HasSuffix(strings.TrimRight(l, " \t"), `\`) {
			acc += strings.TrimSuffix(strings.TrimRight(l, " \t"), `\`)
			continue
		}
		logical = append(logical, acc+l)
		acc = ""
	}
	for _, l := range logical {
		l = strings.TrimLeft(l, " \t")
		l = strings.TrimPrefix(l, "export ")
		name, val, ok := strings.Cut(l, "=")
		if !ok || name == "" || strings.IndexFunc(name, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) >= 0 {
			continue
		}
		if len(val) > 0 && (val[0] == '"' || val[0] == '\'') {
			var v strings.Builder
			for i := 1; i < len(val); i++ {
				if (val[i] == '"' || val[i] == '\'') && i == len(val)-1 {
					continue
				}
				v.WriteByte(val[i])
			}
			val = v.String()
		}
		env[name] = val
	}
	return env
}

// TestNoSecretInMessages runs every constructor and edit of the credential
// table, on good and on malformed input that holds the password, and greps
// every warning, error and formatted value for the password in each of its
// encoded forms.
func TestNoSecretInMessages(t *testing.T) {
	for _, c := range credCases() {
		t.Run(c.name, func(t *testing.T) {
			p := proxyenv.Proxy{Scheme: "http", Host: "proxy.corp", Port: "3128", Username: c.user, Password: proxyenv.NewSecret(c.pass)}
			s := proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p, NoProxy: proxyenv.ParseNoProxy("localhost,.corp,10.0.0.0/8")}
			forms := secretForms(c.pass)
			var msgs []string
			msgs = append(msgs, fmt.Sprintf("%v %+v %#v %s", s, s, s, p))
			bad := []string{
				"{\"proxies\": {\"default\": {\"httpProxy\": \"" + string(mustJSON(c.pass)) + "\"}} broken " + c.pass,
				"[main]\nproxy_password=" + c.pass + "\n" + c.pass + "\n",
				"proxy_password=" + c.pass + "\n[main]\n",
				"proxy_servers:\n  http: " + c.pass + "\n - " + c.pass + ": [\n",
				"export http_proxy='" + c.pass + "\n",
				"export http_proxy=" + c.pass + " ; echo " + c.pass + "\n",
				"Acquire { http::Proxy \"" + c.pass + "\"; };\n",
				c.pass + "\x00" + c.pass,
				"services:\n  repo_api:\n    environment:\n      HTTP_PROXY: " + c.pass + "\n  repo_worker: [" + c.pass + "\n",
				"services:\n  repo_api:\n    environment: {HTTP_PROXY: " + c.pass + "}\n  repo_worker:\n    image: x\n",
			}
			for _, f := range fileFormats {
				edit, warns, err := f.make(s)
				for _, w := range warns {
					msgs = append(msgs, w.String(), fmt.Sprintf("%+v", w))
				}
				if err != nil {
					msgs = append(msgs, err.Error(), fmt.Sprintf("%+v", err))
					continue
				}
				for _, in := range bad {
					if _, err := edit([]byte(in)); err != nil {
						msgs = append(msgs, err.Error(), fmt.Sprintf("%+v", err))
					}
				}
			}
			_, w1 := s.DockerDaemonEnv()
			_, w2 := s.DockerBuildArgs()
			for _, w := range append(w1, w2...) {
				msgs = append(msgs, w.String())
			}
			for _, m := range msgs {
				for _, form := range forms {
					require.NotContains(t, m, form)
				}
			}
		})
	}
}

func mustJSON(s string) []byte {
	b, _ := json.Marshal(s)
	return bytes.Trim(b, `"`)
}

// secretForms returns the password as written raw, percent-encoded in its
// usual ways, JSON-escaped and shell-quoted.
func secretForms(pass string) []string {
	var strict strings.Builder
	for i := 0; i < len(pass); i++ {
		c := pass[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			strict.WriteByte(c)
		} else {
			fmt.Fprintf(&strict, "%%%02X", c)
		}
	}
	userinfo := strings.TrimPrefix(url.UserPassword("", pass).String(), ":")
	return []string{pass, strict.String(), url.QueryEscape(pass), url.PathEscape(pass), userinfo, string(mustJSON(pass)), "'" + strings.ReplaceAll(pass, "'", `'\''`) + "'"}
}

// TestPAMEnvModelMatchesPAM reads the /etc/environment samples and their
// golden outputs, plus tricky lines, with the real pam_env and with the
// model the credential table falls back on where libpam is missing: they
// agree.
func TestPAMEnvModelMatchesPAM(t *testing.T) {
	python := oracle.Require(t, "python3")
	files, err := filepath.Glob(filepath.Join("testdata", "formats", "etc-environment", "*"))
	require.NoError(t, err)
	dir := t.TempDir()
	for i, extra := range []string{
		"A=\"x#y\"\nB=\"a\\\"b\"\nC=plain value\nexport D='q'\n  E=\"\"\nF='it''s'\nG=\"a\"b\"\n",
		"H=one\\\n two\nI=\"q\\\nr\"\n# J=no\nK=v # comment\nbad-name=1\n",
	} {
		p := filepath.Join(dir, fmt.Sprintf("extra%d", i))
		require.NoError(t, os.WriteFile(p, []byte(extra), 0o600))
		files = append(files, p)
	}
	for i := range files {
		files[i], _ = filepath.Abs(files[i])
	}
	envs, ok := readPAMEnv(t, python, files)
	if !ok {
		t.Skip("libpam not installed")
	}
	for i, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Equal(t, envs[i], pamEnvRead(b), filepath.Base(f))
	}
}
