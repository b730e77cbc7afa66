package proxyenv_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/proxyenv"
)

// The fuzz targets run an edit on arbitrary input: it must not panic, and
// where it accepts the input its output must be accepted again, unchanged
// (idempotence), and still be valid in the format. Seeds: the golden inputs
// of the formats, and testdata/fuzz/<target>/.

func addSeeds(f *testing.F, formats ...string) {
	for _, format := range formats {
		files, _ := filepath.Glob(filepath.Join("testdata", "formats", format, "*.in"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
}

func fuzzSettings() proxyenv.Settings {
	p := proxyenv.Proxy{Scheme: "http", Host: "proxy.corp", Port: "3128", Username: "u@x", Password: proxyenv.NewSecret("p:w d$%")}
	return proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p, NoProxy: proxyenv.ParseNoProxy("localhost,.corp,mirror.corp,10.0.0.0/8")}
}

// idempotent runs edit on in and, where it succeeds, checks a second run.
func idempotent(t *testing.T, name string, edit proxyenv.Edit, in []byte) ([]byte, bool) {
	out, err := edit(in)
	if err != nil {
		if out != nil {
			t.Fatalf("%s: error with output: %v", name, err)
		}
		return nil, false
	}
	again, err := edit(out)
	if err != nil {
		t.Fatalf("%s: output refused: %v\ninput %q\noutput %q", name, err, in, out)
	}
	if string(again) != string(out) {
		t.Fatalf("%s: not idempotent\ninput  %q\nonce   %q\ntwice  %q", name, in, out, again)
	}
	return out, true
}

// FuzzEnvFile fuzzes the parsers of NAME=value files: /etc/environment
// (pam_env), the profile.d script (sh) and DC/OS proxy.env (systemd).
func FuzzEnvFile(f *testing.F) {
	addSeeds(f, "etc-environment", "profile", "dcos-proxy-env", "compose-env")
	s := fuzzSettings()
	var edits []proxyenv.Edit
	for _, mk := range []func(proxyenv.Settings) (proxyenv.Edit, []proxyenv.Warning, error){
		proxyenv.Settings.EtcEnvironment, proxyenv.Settings.ProfileScript, proxyenv.Settings.DCOSProxyEnv, proxyenv.Settings.ComposeDotEnv,
	} {
		e, _, err := mk(s)
		if err != nil {
			f.Fatal(err)
		}
		edits = append(edits, e)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for i, e := range edits {
			idempotent(t, []string{"etc-environment", "profile", "dcos", "compose-env"}[i], e, in)
		}
	})
}

// FuzzYumConf fuzzes the ini parser of yum.conf and dnf.conf.
func FuzzYumConf(f *testing.F) {
	addSeeds(f, "yum", "dnf")
	edit, _, err := fuzzSettings().YumConf()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		idempotent(t, "yum", edit, in)
	})
}

// FuzzAptConf fuzzes the apt.conf line reader.
func FuzzAptConf(f *testing.F) {
	addSeeds(f, "apt")
	edit, _, err := fuzzSettings().AptConf()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		idempotent(t, "apt", edit, in)
	})
}

// FuzzJSONSplice fuzzes the JSON splicing of daemon.json and config.json:
// accepted output is valid JSON whose members other than "proxies" decode
// as the input's did.
func FuzzJSONSplice(f *testing.F) {
	addSeeds(f, "daemon-json", "client-config")
	s := fuzzSettings()
	daemon, _, _ := s.DockerDaemonJSON()
	client, _, _ := s.DockerClientConfig()
	unset, _, _ := proxyenv.Settings{}.DockerClientConfig()
	f.Fuzz(func(t *testing.T, in []byte) {
		for name, e := range map[string]proxyenv.Edit{"daemon.json": daemon, "config.json": client, "unset": unset} {
			out, ok := idempotent(t, name, e, in)
			if !ok {
				continue
			}
			if in != nil && string(out) == string(in) {
				continue // unchanged (e.g. a blank file with nothing to set)
			}
			if !json.Valid(out) {
				t.Fatalf("%s: invalid JSON output %q from %q", name, out, in)
			}
			var a, b map[string]any
			if json.Unmarshal(in, &a) != nil {
				continue // blank input
			}
			if err := json.Unmarshal(out, &b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			delete(a, "proxies")
			delete(b, "proxies")
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Fatalf("%s: other members changed\ninput  %q\noutput %q", name, in, out)
			}
		}
	})
}

// FuzzCondarc fuzzes the .condarc block editor: accepted output parses as
// YAML and holds the proxies.
func FuzzCondarc(f *testing.F) {
	addSeeds(f, "condarc")
	edit, _, err := fuzzSettings().Condarc()
	if err != nil {
		f.Fatal(err)
	}
	unset, _, _ := proxyenv.Settings{}.Condarc()
	f.Fuzz(func(t *testing.T, in []byte) {
		out, ok := idempotent(t, "condarc", edit, in)
		if ok {
			var v struct {
				ProxyServers map[string]any `yaml:"proxy_servers"`
			}
			if err := yaml.Unmarshal(out, &v); err != nil || v.ProxyServers["http"] != "http://u%40x:p%3Aw%20d%24%25@proxy.corp:3128" {
				t.Fatalf("output does not hold the proxy (%v)\ninput  %q\noutput %q", err, in, out)
			}
		}
		idempotent(t, "condarc unset", unset, in)
	})
}

// FuzzComposeFile fuzzes the docker-compose.yml editor: accepted output
// still parses, gives the services the references and no credential, and
// settings without a proxy take them away again.
func FuzzComposeFile(f *testing.F) {
	addSeeds(f, "compose")
	s := fuzzSettings()
	edit, _, err := s.ComposeFile()
	if err != nil {
		f.Fatal(err)
	}
	unset, _, _ := proxyenv.Settings{}.ComposeFile()
	f.Fuzz(func(t *testing.T, in []byte) {
		out, ok := idempotent(t, "compose", edit, in)
		if ok {
			names, err := proxyenv.ComposeServiceNames(out)
			if err != nil || len(names) < 2 {
				t.Fatalf("output does not parse (%v)\ninput  %q\noutput %q", err, in, out)
			}
			if bytes.Contains(out, []byte(proxyenv.EscapeUserinfo(s.HTTPProxy.Password.Reveal()))) && !bytes.Contains(in, []byte(proxyenv.EscapeUserinfo(s.HTTPProxy.Password.Reveal()))) {
				t.Fatalf("the password reached the file\noutput %q", out)
			}
			if _, ok := idempotent(t, "compose unset", unset, out); !ok {
				t.Fatalf("unset refused the output %q", out)
			}
		}
		idempotent(t, "compose unset", unset, in)
	})
}
