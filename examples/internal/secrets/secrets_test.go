package secrets_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/dcosnode"
	"github.com/proxykit/proxykit/examples/internal/dockerhost"
	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/internal/scripttest"
)

// passwords are hostile to every encoding a consumer's file uses.
var passwords = map[string]string{
	"every ASCII punctuation": `!"#$%&'()*+,-./:;<=>?@[\]^_` + "`{|}~",
	"blanks":                  "pass word with  blanks",
	"non-ASCII":               "pässwörd-日本語-🔑",
	"200 characters":          strings.Repeat("Ab9!ü", 40),
}

// old credentials someone else wrote into the node's files before.
var oldSecrets = []string{"OldYum_Pw9", "OldEnv_Pw9", "OldDrop_Pw9", "OldAuth_Pw9", base64.StdEncoding.EncodeToString([]byte("alice:OldAuth_Pw9"))}

// forms are the encodings of a password no output may hold.
func forms(user, password string) []string {
	return append(scripttest.SecretForms(password), base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
}

type program struct {
	name  string
	user  string
	setup func(t *testing.T, dir string) []string // writes the node, returns the arguments
	run   func(env node.Env) *node.Program
	check func(t *testing.T, dir, password string) // decodes each written file with its consumer's reader
}

func appendFile(t *testing.T, name, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(name), 0o755))
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func programs() []program {
	return []program{
		{
			name: "dcos-node", user: "svc-dcos",
			setup: func(t *testing.T, dir string) []string {
				require.NoError(t, dcosnode.WriteSample(dir))
				appendFile(t, filepath.Join(dir, "etc/yum.conf"), "proxy=http://oldproxy:3128\nproxy_username=olduser\nproxy_password=OldYum_Pw9\n")
				appendFile(t, filepath.Join(dir, "etc/environment"), "http_proxy=\"http://olduser:OldEnv_Pw9@oldproxy:3128\"\n")
				appendFile(t, filepath.Join(dir, "etc/systemd/system/docker.service.d/http-proxy.conf"), "[Service]\nEnvironment=\"HTTP_PROXY=http://olduser:OldDrop_Pw9@oldproxy:3128\"\n")
				return []string{"-proxy", "http://svc-dcos@proxy.corp.example:3128", "-no-proxy", ".corp.example,10.0.0.0/8",
					"-ca", filepath.Join(dir, "root", "corporate-proxy-ca.pem")}
			},
			run: dcosnode.Program,
			check: func(t *testing.T, dir, password string) {
				requireBash(t, dir, "etc/environment", "http_proxy", password)
				requireConfigParser(t, dir, "etc/yum.conf", password)
				requireSystemd(t, dir, "docker.service", password)
			},
		},
		{
			name: "docker-host", user: "svc-docker",
			setup: func(t *testing.T, dir string) []string {
				require.NoError(t, dockerhost.WriteSample(dir, "host"))
				appendFile(t, filepath.Join(dir, "etc/systemd/system/docker.service.d/http-proxy.conf"), "[Service]\nEnvironment=\"HTTP_PROXY=http://olduser:OldDrop_Pw9@oldproxy:3128\"\n")
				cfg := `{"auths": {"registry.corp.example": {"auth": "` + oldSecrets[4] + `"}}}` + "\n"
				require.NoError(t, os.WriteFile(filepath.Join(dir, "home/alice/.docker/config.json"), []byte(cfg), 0o600))
				return []string{"-proxy", "http://svc-docker@proxy.corp.example:3128", "-no-proxy", ".corp.example", "-user", "alice",
					"-ca", filepath.Join(dir, "root", "corp-proxy-ca.pem")}
			},
			run: dockerhost.Program,
			check: func(t *testing.T, dir, password string) {
				requireSystemd(t, dir, "docker.service", password)
				requireJSON(t, dir, "home/alice/.docker/config.json", password)
			},
		},
		{
			name: "docker-host -image", user: "svc-docker",
			setup: func(t *testing.T, dir string) []string {
				require.NoError(t, dockerhost.WriteSample(dir, "image"))
				return []string{"-image", "-proxy", "http://svc-docker@proxy.corp.example:3128", "-no-proxy", ".corp.example"}
			},
			run: dockerhost.Program,
			check: func(t *testing.T, dir, password string) {
				requireAptConfig(t, dir, "etc/apt/apt.conf.d/80proxykit-proxy", password)
			},
		},
	}
}

// TestNoPasswordFormReachesAnyOutput: for every program, subcommand and
// output format, with passwords full of punctuation, blanks, non-ASCII
// letters or 200 characters, and old credentials already in the files: no
// form of the password or of the old credentials is in stdout or stderr, the
// diff included; and each file written decodes to the password with its
// consumer's reader.
func TestNoPasswordFormReachesAnyOutput(t *testing.T) {
	for _, prog := range programs() {
		for pname, password := range passwords {
			t.Run(prog.name+"/"+pname, func(t *testing.T) {
				env := node.Env{Getenv: func(k string) string {
					if k == node.EnvProxyPassword {
						return password
					}
					return ""
				}}
				for _, format := range []string{"text", "json"} {
					dir := filepath.Join(t.TempDir(), "root")
					require.NoError(t, os.Mkdir(dir, 0o755))
					args := append([]string{"-root", dir, "-no-actions"}, prog.setup(t, dir)...)
					if format == "json" {
						args = append(args, "-json")
					}
					for _, cmd := range []string{"plan", "apply", "plan", "verify", "undo"} {
						var stdout, stderr bytes.Buffer
						code := prog.run(env).Run(append(args, cmd), &stdout, &stderr)
						out := stdout.String() + stderr.String()
						require.NotEqual(t, node.ExitError, code, "%s %s:\n%s", format, cmd, out)
						if format == "json" {
							require.True(t, json.Valid(stdout.Bytes()), "%s: stdout is not JSON", cmd)
						}
						for _, f := range forms(prog.user, password) {
							if strings.Contains(out, f) {
								t.Fatalf("%s %s: the output holds the password as %q", format, cmd, f)
							}
						}
						for _, old := range oldSecrets {
							require.NotContains(t, out, old, "%s %s: an old credential shows", format, cmd)
						}
						if cmd == "apply" {
							prog.check(t, dir, password)
						}
					}
				}
			})
		}
	}
}

// passwordOf returns the password of a proxy URL's userinfo, decoded.
func passwordOf(t *testing.T, where, raw string) string {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(raw))
	require.NoError(t, err, "%s: %q is no URL", where, raw)
	pw, ok := u.User.Password()
	require.True(t, ok, "%s: no password in the URL", where)
	return pw
}

func tool(t *testing.T, name string) string {
	t.Helper()
	ok, err := oracle.Available(name)
	require.NoError(t, err)
	if !ok {
		t.Skipf("%s is not installed", name)
	}
	p, err := exec.LookPath(name)
	require.NoError(t, err)
	return p
}

// requireBash sources a NAME="value" file with bash, as a login shell reads
// /etc/environment's lines, and decodes the proxy URL of variable.
func requireBash(t *testing.T, dir, file, variable, password string) {
	t.Helper()
	bash := tool(t, "bash")
	out, err := exec.Command(bash, "-c", `set -a; . "$1"; printf %s "$`+variable+`"`, "bash", filepath.Join(dir, file)).Output()
	require.NoError(t, err, "bash . %s", file)
	require.Equal(t, password, passwordOf(t, file, string(out)), "bash reads another password from %s", file)
}

// requireConfigParser reads yum.conf with Python's configparser.
func requireConfigParser(t *testing.T, dir, file, password string) {
	t.Helper()
	py := tool(t, "python3")
	out, err := exec.Command(py, "-c", `import configparser, sys
c = configparser.RawConfigParser()
c.read(sys.argv[1], encoding="utf-8")
sys.stdout.buffer.write(c.get("main", "proxy_password").encode("utf-8"))`, filepath.Join(dir, file)).Output()
	require.NoError(t, err, "configparser %s", file)
	require.Equal(t, password, string(out), "configparser reads another password from %s", file)
}

var systemdEnv = regexp.MustCompile(`(?m)^\s*Environment: (.*)$`)

// requireSystemd reads the unit's environment as systemd-analyze computes
// it from the unit file and its drop-ins.
func requireSystemd(t *testing.T, dir, unit, password string) {
	t.Helper()
	sa := tool(t, "systemd-analyze")
	cmd := exec.Command(sa, "--root="+dir, "verify", unit)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_COLOR=0")
	// The unit's dump and the log go to two streams: read them apart, so
	// that no log line cuts a value. verify's verdict on the rest of the
	// sample node (executables it cannot find) does not matter here.
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	out := stdout.String() + "\n" + stderr.String()
	m := systemdEnv.FindAllStringSubmatch(out, -1)
	require.NotEmpty(t, m, "systemd-analyze shows no environment:\n%s", out)
	found := false
	for _, l := range m {
		for _, kv := range strings.Fields(l[1]) {
			if v, ok := strings.CutPrefix(kv, "HTTP_PROXY="); ok {
				require.Equal(t, password, passwordOf(t, unit, v), "systemd reads another password for %s", unit)
				found = true
			}
		}
	}
	require.True(t, found, "systemd-analyze shows no HTTP_PROXY:\n%s", out)
}

// requireAptConfig reads an apt configuration file with apt-config.
func requireAptConfig(t *testing.T, dir, file, password string) {
	t.Helper()
	ac := tool(t, "apt-config")
	out, err := exec.Command(ac, "-c", filepath.Join(dir, file), "dump", "Acquire::http::Proxy").Output()
	require.NoError(t, err, "apt-config dump %s", file)
	m := regexp.MustCompile(`(?m)^Acquire::http::Proxy "(.*)";$`).FindStringSubmatch(string(out))
	require.NotNil(t, m, "apt-config shows no Acquire::http::Proxy:\n%s", out)
	require.Equal(t, password, passwordOf(t, file, m[1]), "apt reads another password from %s", file)
}

// requireJSON reads a Docker client configuration as JSON.
func requireJSON(t *testing.T, dir, file, password string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	require.NoError(t, err)
	var c struct {
		Auths   map[string]map[string]string `json:"auths"`
		Proxies struct {
			Default struct {
				HTTPProxy string `json:"httpProxy"`
			} `json:"default"`
		} `json:"proxies"`
	}
	require.NoError(t, json.Unmarshal(b, &c), file)
	require.Equal(t, password, passwordOf(t, file, c.Proxies.Default.HTTPProxy), "JSON reads another password from %s", file)
	require.Equal(t, oldSecrets[4], c.Auths["registry.corp.example"]["auth"], "the login is kept")
}
