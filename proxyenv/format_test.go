package proxyenv_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

// fileFormat is one file format of the package: its name (the directory of
// its golden files) and its constructor.
type fileFormat struct {
	name string
	make func(proxyenv.Settings) (proxyenv.Edit, []proxyenv.Warning, error)
	// minimal is the smallest input the edit accepts; nil (no file) when
	// the edit creates its file.
	minimal []byte
}

// fileFormats lists every format that edits a file.
var fileFormats = []fileFormat{
	{"etc-environment", proxyenv.Settings.EtcEnvironment, nil},
	{"profile", proxyenv.Settings.ProfileScript, nil},
	{"dcos-proxy-env", proxyenv.Settings.DCOSProxyEnv, nil},
	{"yum", proxyenv.Settings.YumConf, nil},
	{"dnf", proxyenv.Settings.DNFConf, nil},
	{"apt", proxyenv.Settings.AptConf, nil},
	{"daemon-json", proxyenv.Settings.DockerDaemonJSON, nil},
	{"client-config", proxyenv.Settings.DockerClientConfig, nil},
	{"condarc", proxyenv.Settings.Condarc, nil},
	{"compose", func(s proxyenv.Settings) (proxyenv.Edit, []proxyenv.Warning, error) { return s.ComposeFile() },
		[]byte("services:\n  repo_api:\n    image: a\n  repo_worker:\n    image: b\n")},
	{"compose-env", proxyenv.Settings.ComposeDotEnv, nil},
}

func mustProxy(t testing.TB, s string) *proxyenv.Proxy {
	t.Helper()
	p, err := proxyenv.ParseProxy(s)
	require.NoError(t, err)
	return &p
}

// settingsCases are the settings every format is tried with.
func settingsCases(t testing.TB) map[string]proxyenv.Settings {
	return map[string]proxyenv.Settings{
		"credentials": {
			HTTPProxy:  mustProxy(t, "http://svc@corp:p@ss w$rd@proxy.corp:3128"),
			HTTPSProxy: mustProxy(t, "http://svc@corp:p@ss w$rd@proxy.corp:3128"),
			NoProxy:    proxyenv.ParseNoProxy("localhost,127.0.0.1,.corp,mirror.corp,10.0.0.0/8"),
		},
		"plain": {
			HTTPProxy:  mustProxy(t, "proxy.corp:3128"),
			HTTPSProxy: mustProxy(t, "proxy.corp:3129"),
			FTPProxy:   mustProxy(t, "proxy.corp:2121"),
			NoProxy:    proxyenv.ParseNoProxy("*.internal,192.168.1.1"),
		},
		"https-only": {
			HTTPSProxy: mustProxy(t, "https://proxy.corp"),
		},
		"unset": {},
	}
}

// inputs returns the existing files each format is tried on: no file, an
// empty file, and every golden input of the format.
func inputs(t testing.TB, format string) map[string][]byte {
	t.Helper()
	in := map[string][]byte{"absent": nil, "empty": {}}
	files, err := filepath.Glob(filepath.Join("testdata", "formats", format, "*.in"))
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		in[strings.TrimSuffix(filepath.Base(f), ".in")] = b
	}
	return in
}

// TestEditTwiceEqualsOnce applies every format's edit to every input twice,
// for several settings, and to the result of another settings' edit (a
// changed proxy): the second application changes nothing, and a changed
// proxy gives as many lines as a first edit (replaced in place, never
// appended).
func TestEditTwiceEqualsOnce(t *testing.T) {
	cases := settingsCases(t)
	for _, f := range fileFormats {
		for sname, s := range cases {
			edit, _, err := f.make(s)
			require.NoError(t, err)
			for iname, in := range inputs(t, f.name) {
				t.Run(f.name+"/"+sname+"/"+iname, func(t *testing.T) {
					once, err := edit(in)
					if err != nil {
						require.Nil(t, once, "an edit that fails returns no bytes")
						return
					}
					twice, err := edit(once)
					require.NoError(t, err)
					require.Equal(t, string(once), string(twice))
					// From any other settings' output (a changed proxy):
					// still idempotent, and never a duplicate line.
					for oname, other := range cases {
						oedit, _, err := f.make(other)
						require.NoError(t, err)
						mid, err := oedit(in)
						require.NoError(t, err, oname)
						again, err := edit(mid)
						require.NoError(t, err, oname)
						again2, err := edit(again)
						require.NoError(t, err, oname)
						require.Equal(t, string(again), string(again2), "from %s's output", oname)
						if _, lines := ownedLine[f.name]; lines && (other.FTPProxy == nil || s.FTPProxy != nil) { // an unset ftp_proxy is left alone
							require.Equal(t, lineCount(once), lineCount(again), "from %s's output", oname)
						}
					}
				})
			}
		}
	}
}

func lineCount(b []byte) int {
	return len(strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' }))
}

// TestEditDoesNotModifyInput checks that an edit never writes into the
// slice it was given.
func TestEditDoesNotModifyInput(t *testing.T) {
	s := settingsCases(t)["credentials"]
	for _, f := range fileFormats {
		edit, _, err := f.make(s)
		require.NoError(t, err)
		for iname, in := range inputs(t, f.name) {
			if in == nil {
				continue
			}
			orig := bytes.Clone(in)
			_, _ = edit(in)
			require.Equal(t, orig, in, "%s/%s", f.name, iname)
		}
	}
}

// TestMalformedInputIsRefused checks that input a format cannot read gives a
// *FormatError naming the format and where, and no bytes.
func TestMalformedInputIsRefused(t *testing.T) {
	s := settingsCases(t)["credentials"]
	garbage := []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00")
	tests := []struct {
		format string // fileFormats name
		in     string
		name   string // FormatError.Format
		line   int
		detail string // in the error text
	}{
		{"daemon-json", "{\n  \"debug\": true,\n  \"log-level\" \"info\"\n}\n", "daemon.json", 3, "invalid JSON"},
		{"daemon-json", "[1, 2]\n", "daemon.json", 1, "not an object"},
		{"daemon-json", "{\"debug\": tru", "daemon.json", 1, "invalid JSON"},
		{"client-config", "{\n\t\"auths\": {},\n}\n", "docker config.json", 3, "invalid JSON"},
		{"client-config", "\"just a string\"", "docker config.json", 1, "not an object"},
		{"yum", "# no main here\n[base]\nname=Base\n", "yum.conf", 0, "no [main] section"},
		{"yum", "gpgcheck=1\n[main]\n", "yum.conf", 1, "before the first section"},
		{"yum", "[main]\nthis line is not an option\n", "yum.conf", 2, "neither a section"},
		{"yum", "[main\nproxy=x\n", "yum.conf", 1, "without ']'"},
		{"dnf", "[updates]\nenabled=1\n", "dnf.conf", 0, "no [main] section"},
		{"condarc", "channels:\n  - defaults\n bad: [\n", ".condarc", 2, "invalid YAML"},
		{"condarc", "- a\n- b\n", ".condarc", 1, "not a block mapping"},
		{"condarc", "a: 1\n---\nb: 2\n", ".condarc", 2, "several YAML documents"},
		{"condarc", "proxy_servers: &p\n  http: x\nother: *p\n", ".condarc", 1, "anchor"},
		{"condarc", "proxy_servers: {http: x, ftp: y}\n", ".condarc", 1, "flow style"},
		{"profile", "export http_proxy='unterminated\n", "profile.d script", 1, "unterminated quote"},
		{"profile", "export http_proxy=x; rm -rf /tmp/x\n", "profile.d script", 1, "other commands"},
		{"profile", "cat <<EOF\nhttp_proxy=x\nEOF\n", "profile.d script", 1, "here-document"},
		{"dcos-proxy-env", "no_proxy=\"a,b\n", "DC/OS proxy.env", 1, "unterminated quote"},
		{"apt", "Acquire {\n  http::Proxy \"http://x\";\n};\n", "apt.conf", 2, "inside a { } block"},
		{"apt", "Acquire::http { Proxy \"http://x\"; };\n", "apt.conf", 1, "inside a { } block"},
	}
	for _, f := range fileFormats {
		tests = append(tests, struct {
			format, in, name string
			line             int
			detail           string
		}{f.name, string(garbage), "", 1, "binary data"})
	}
	for _, tt := range tests {
		t.Run(tt.format+"/"+tt.detail, func(t *testing.T) {
			var make func(proxyenv.Settings) (proxyenv.Edit, []proxyenv.Warning, error)
			for _, f := range fileFormats {
				if f.name == tt.format {
					make = f.make
				}
			}
			require.NotNil(t, make)
			edit, _, err := make(s)
			require.NoError(t, err)
			out, err := edit([]byte(tt.in))
			require.Nil(t, out)
			require.ErrorIs(t, err, proxyenv.ErrMalformed)
			var fe *proxyenv.FormatError
			require.ErrorAs(t, err, &fe)
			if tt.name != "" {
				require.Equal(t, tt.name, fe.Format)
			}
			require.Equal(t, tt.line, fe.Line)
			require.Contains(t, err.Error(), tt.detail)
			require.True(t, strings.HasPrefix(err.Error(), fe.Format+": "), err.Error())
		})
	}
}

// TestTooLargeInputIsRefused checks the bound on input size.
func TestTooLargeInputIsRefused(t *testing.T) {
	big := bytes.Repeat([]byte("# comment line\n"), proxyenv.MaxFileSize/15+1)
	for _, f := range fileFormats {
		edit, _, err := f.make(settingsCases(t)["plain"])
		require.NoError(t, err)
		out, err := edit(big)
		require.Nil(t, out)
		require.ErrorIs(t, err, proxyenv.ErrTooLarge, f.name)
	}
}

// TestUnsafeValuesAreRefused checks that a value a format cannot hold gives
// an error that names the format and the character class, never the value.
func TestUnsafeValuesAreRefused(t *testing.T) {
	withPass := func(user, pass string) proxyenv.Settings {
		p := proxyenv.Proxy{Scheme: "http", Host: "proxy.corp", Port: "3128", Username: user, Password: proxyenv.NewSecret(pass)}
		return proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p}
	}
	tests := []struct {
		name   string
		make   func(proxyenv.Settings) (proxyenv.Edit, []proxyenv.Warning, error)
		s      proxyenv.Settings
		secret string
		class  string
	}{
		{"yum/line break", proxyenv.Settings.YumConf, withPass("u", "Secr\net1"), "Secr\net1", "line break"},
		{"yum/trailing blank", proxyenv.Settings.YumConf, withPass("u", "Secret1 "), "Secret1 ", "leading or trailing blank"},
		{"yum/inline comment", proxyenv.Settings.YumConf, withPass("u", "Sec ;ret1"), "Sec ;ret1", "inline comment"},
		{"dnf/user control", proxyenv.Settings.DNFConf, withPass("us\x01er", "x"), "us\x01er", "control character"},
		{"etc-environment/no_proxy #", proxyenv.Settings.EtcEnvironment, proxyenv.Settings{NoProxy: proxyenv.ParseNoProxy("a#b")}, "a#b", "comment character"},
		{"etc-environment/no_proxy quote", proxyenv.Settings.EtcEnvironment, proxyenv.Settings{NoProxy: proxyenv.ParseNoProxy(`a"b`)}, `a"b`, "quote character"},
		{"dcos/no_proxy blank", proxyenv.Settings.DCOSProxyEnv, proxyenv.Settings{NoProxy: proxyenv.ParseNoProxy("a b")}, "a b", "blank"},
		{"profile/no_proxy control", proxyenv.Settings.ProfileScript, proxyenv.Settings{NoProxy: proxyenv.ParseNoProxy("a\x1bb")}, "a\x1bb", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edit, warns, err := tt.make(tt.s)
			require.Nil(t, edit)
			require.Nil(t, warns)
			require.ErrorIs(t, err, proxyenv.ErrUnsafeValue)
			require.Contains(t, err.Error(), tt.class)
			if strings.HasPrefix(tt.name, "yum") || strings.HasPrefix(tt.name, "dnf") {
				require.NotContains(t, err.Error(), strings.TrimSpace(tt.secret))
			}
		})
	}
}

// TestDCOSBypassMergesWithoutDuplicates checks the DC/OS preset.
func TestDCOSBypassMergesWithoutDuplicates(t *testing.T) {
	s := proxyenv.Settings{HTTPProxy: mustProxy(t, "proxy.corp:3128"), NoProxy: proxyenv.ParseNoProxy("localhost,.corp,.mesos")}
	edit, _, err := s.DCOSProxyEnv()
	require.NoError(t, err)
	out, err := edit(nil)
	require.NoError(t, err)
	require.Contains(t, string(out), "\nno_proxy=localhost,.corp,.mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1\n")
	require.Equal(t, ".mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1,localhost", proxyenv.DCOSBypass().String())
}

// TestFormatErrorText pins the layout of a FormatError.
func TestFormatErrorText(t *testing.T) {
	err := &proxyenv.FormatError{Format: "yum.conf", Line: 3, Column: 2, Item: "proxy", Detail: "why", Err: proxyenv.ErrMalformed}
	require.Equal(t, "yum.conf: line 3, column 2: proxy: malformed file: why", err.Error())
	w := proxyenv.Warning{Format: "apt.conf", Item: ".corp", Message: "not expressible"}
	require.Equal(t, "apt.conf: .corp: not expressible", fmt.Sprint(w))
}

// TestEditIgnoresLaterChangesToSettings checks that a constructor compiles
// what it needs: changing the proxies after building the edit changes
// nothing the edit writes.
func TestEditIgnoresLaterChangesToSettings(t *testing.T) {
	for _, f := range fileFormats {
		t.Run(f.name, func(t *testing.T) {
			p := mustProxy(t, "http://svc:Secret1@proxy.corp:3128")
			s := proxyenv.Settings{HTTPProxy: p, HTTPSProxy: p, NoProxy: proxyenv.ParseNoProxy("localhost")}
			edit, _, err := f.make(s)
			require.NoError(t, err)
			before, err := edit(f.minimal)
			require.NoError(t, err)
			p.Host, p.Password = "other.corp", proxyenv.NewSecret("changed")
			after, err := edit(f.minimal)
			require.NoError(t, err)
			require.Equal(t, string(before), string(after))
		})
	}
}
