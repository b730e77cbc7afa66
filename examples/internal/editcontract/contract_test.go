package editcontract_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/dockerd"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/proxykit/proxykit/truststore"
)

// An editor is one edit of the module with the reader of its file's format.
type editor struct {
	name string
	edit func(old []byte) ([]byte, error)
	read func(b []byte) error // accepts what the file's consumer accepts
}

func (e editor) String() string { return e.name }

var (
	editorsOnce []editor
	caPEM       []byte
)

// editors lists every editor of the module: the formats of proxyenv, the
// drop-ins of systemdunit and jvmflags, the stores of truststore and the
// programs' own edits.
func editors(t testing.TB) []editor {
	if editorsOnce != nil {
		return editorsOnce
	}
	p := proxyenv.Proxy{Scheme: "http", Host: "proxy.corp", Port: "3128", Username: "u@x", Password: proxyenv.NewSecret(`p:w d$%'"`)}
	s := proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p, NoProxy: proxyenv.ParseNoProxy("localhost,.corp,10.0.0.0/8")}
	var out []editor
	for _, f := range []struct {
		name string
		mk   func() (proxyenv.Edit, []proxyenv.Warning, error)
		read func([]byte) error
	}{
		{"proxyenv EtcEnvironment", s.EtcEnvironment, readText},
		{"proxyenv ProfileScript", s.ProfileScript, readText},
		{"proxyenv DCOSProxyEnv", s.DCOSProxyEnv, readText},
		{"proxyenv AptConf", s.AptConf, readText},
		{"proxyenv YumConf", s.YumConf, readText},
		{"proxyenv DNFConf", s.DNFConf, readText},
		{"proxyenv Condarc", s.Condarc, readYAML},
		{"proxyenv CondarcWithMirrors", func() (proxyenv.Edit, []proxyenv.Warning, error) {
			return s.CondarcWithMirrors([]proxyenv.CondaMirror{{Scheme: "https", Host: "conda.corp", Proxy: p}, {Scheme: "all", Host: "mirror.corp", Proxy: p}})
		}, readYAML},
		{"proxyenv DockerDaemonJSON", s.DockerDaemonJSON, readJSONObject},
		{"proxyenv DockerClientConfig", s.DockerClientConfig, readJSONObject},
	} {
		e, _, err := f.mk()
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		out = append(out, editor{f.name, e, f.read})
	}
	override, err := proxyenv.ComposeTrustOverride("repo_api", "repo_worker")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, editor{"proxyenv ComposeTrustOverride", override, readYAML})
	env, _ := s.DockerDaemonEnv()
	out = append(out,
		editor{"systemdunit DropIn environment", systemdunit.DropIn{Environment: env, Unset: []string{"FTP_PROXY"}}.Edit, readUnit},
		editor{"systemdunit DropIn ExecStart", systemdunit.DropIn{ExecStart: []systemdunit.Command{{Argv: []string{"/usr/bin/java", "-Dx=1", "-jar", "a b.jar"}}}}.Edit, readUnit},
	)
	unit, err := systemdunit.Load(fstest.MapFS{"etc/systemd/system/app.service": {Data: []byte("[Service]\nExecStart=/usr/bin/java -Xmx1g -jar /opt/app.jar\n")}}, "app.service")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := jvmflags.ProxyProperties(s)
	if err != nil {
		t.Fatal(err)
	}
	jdrop, _, err := jvmflags.Patch{Set: ps.List, Remove: jvmflags.ProxyKeys}.DropIn(unit)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, editor{"jvmflags Patch.DropIn", jdrop, readUnit})

	ca := testCA(t)
	pw := truststore.NewPassword("changeit")
	readStore := func(b []byte) error { _, _, err := truststore.ListKeystore(b, truststore.WithPassword(pw)); return err }
	out = append(out,
		editor{"truststore AddToBundle", truststore.AddToBundle(ca), readBundle},
		editor{"truststore RemoveFromBundle", truststore.RemoveFromBundle(ca.Fingerprint()), readBundle},
		editor{"truststore SeededBundle", truststore.SeededBundle(caPEM, ca), readBundle},
		editor{"truststore AddToKeystore JKS", truststore.AddToKeystore(ca, "corp", truststore.WithPassword(pw), truststore.WithNewFormat(truststore.FormatJKS), truststore.WithCreated(time.Unix(1.7e9, 0))), readStore},
		editor{"truststore AddToKeystore PKCS12", truststore.AddToKeystore(ca, "corp", truststore.WithPassword(pw), truststore.WithNewFormat(truststore.FormatPKCS12), truststore.WithCreated(time.Unix(1.7e9, 0))), readStore},
		editor{"truststore RemoveFromKeystore", truststore.RemoveFromKeystore(ca.Fingerprint(), truststore.WithPassword(pw)), readStore},
	)
	// dockerd's edits, on a host whose every place holds an old proxy.
	host := fstest.MapFS{
		"lib/systemd/system/docker.service": {Data: []byte("[Service]\nExecStart=/usr/bin/dockerd -H fd://\n")},
		dockerd.DropInPath:                  {Data: []byte("[Service]\nEnvironment=HTTP_PROXY=http://old:1 FTP_PROXY=http://old:1\nEnvironmentFile=/etc/docker/proxy.env\n")},
		dockerd.EnvFilePath:                 {Data: []byte("HTTP_PROXY=http://old:1\n")},
		dockerd.DaemonJSONPath:              {Data: []byte(`{"proxies": {"http-proxy": "http://old:1"}}`)},
	}
	for _, place := range []dockerd.Place{dockerd.InDropIn, dockerd.InEnvFile, dockerd.InDaemonJSON} {
		p, err := dockerd.Changes(host, s, place)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Changes {
			read := map[string]func([]byte) error{dockerd.DropInPath: readUnit, dockerd.EnvFilePath: readText, dockerd.DaemonJSONPath: readJSONObject}[c.Path]
			out = append(out, editor{fmt.Sprintf("dockerd place %d: %s", place, c.Path), c.Edit, read})
		}
	}
	editorsOnce = out
	return out
}

// readText accepts text: no control character but tab, CR, LF, VT and FF.
func readText(b []byte) error {
	for i, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' || c == 0x7f {
			return fmt.Errorf("control byte 0x%02x at %d", c, i)
		}
	}
	return nil
}

func readYAML(b []byte) error {
	if err := readText(b); err != nil {
		return err
	}
	var v any
	return yaml.Unmarshal(b, &v)
}

// readJSONObject accepts what dockerd and the docker client accept: an
// object, or a blank file.
func readJSONObject(b []byte) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var v map[string]any
	return json.Unmarshal(b, &v)
}

func readUnit(b []byte) error { _, err := systemdunit.Parse(b); return err }

func readBundle(b []byte) error { _, err := truststore.ListBundle(b); return err }

// checkContract runs e on in: an error and no bytes; or output its reader
// accepts, which the edit leaves unchanged. Input the reader refuses must be
// refused.
func checkContract(t *testing.T, e editor, in []byte) {
	t.Helper()
	var arg []byte
	if in != nil {
		arg = bytes.Clone(in)
	}
	out, err := e.edit(arg)
	if err != nil {
		if out != nil {
			t.Fatalf("%s: an error and %d bytes: %v", e, len(out), err)
		}
		return
	}
	if len(in) > 0 {
		if rerr := e.read(in); rerr != nil {
			t.Fatalf("%s: edited input its reader refuses (%v)\ninput %q", e, rerr, bounded(in))
		}
	}
	if out != nil {
		if rerr := e.read(out); rerr != nil {
			t.Fatalf("%s: output its reader refuses: %v\ninput  %q\noutput %q", e, rerr, bounded(in), bounded(out))
		}
	}
	again, err := e.edit(bytes.Clone(out))
	if err != nil {
		t.Fatalf("%s: its own output refused: %v\ninput  %q\noutput %q", e, err, bounded(in), bounded(out))
	}
	if !bytes.Equal(again, out) || (again == nil) != (out == nil) {
		t.Fatalf("%s: not idempotent\ninput  %q\nonce   %q\ntwice  %q", e, bounded(in), bounded(out), bounded(again))
	}
}

func bounded(b []byte) []byte {
	if len(b) > 300 {
		return append(b[:300:300], "…"...)
	}
	return b
}

// hostile are inputs no editor understands, and a few every one does.
func hostile(t testing.TB) map[string][]byte {
	ca := testCA(t)
	brokenPEM := "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"
	return map[string][]byte{
		"absent":                        nil,
		"empty":                         {},
		"binary":                        []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00"),
		"NUL in text":                   []byte("PATH=/usr/bin\n\x00\n"),
		"invalid JSON":                  []byte(`{"log-driver": "journald",` + "\n"),
		"JSON array":                    []byte(`["a"]`),
		"PEM with a broken certificate": []byte(string(ca.PEM()) + brokenPEM + string(ca.PEM())),
		"PEM cut short":                 ca.PEM()[:100],
		"unit":                          []byte("[Service]\nEnvironment=A=1\n"),
		"unit with a bad escape":        []byte("[Service]\nEnvironment=\"A=\\q\"\n"),
		"environment file":              []byte("LANG=C\nhttp_proxy=http://old:3128\n"),
		"YAML":                          []byte("channels:\n  - defaults\nproxy_servers:\n  http: http://old:3128\n"),
		"YAML tab indentation":          []byte("a:\n\tb: 1\n"),
		"daemon.json":                   []byte("{\n  \"proxies\": {\"http-proxy\": \"http://old:3128\"}\n}\n"),
		"invalid UTF-8 text":            []byte("LANG=\xff\xfe\n"),
		"a certificate":                 ca.PEM(),
		"CRLF text":                     []byte("[main]\r\ngpgcheck=1\r\n"),
		"no final newline":              []byte("[Service]\nEnvironment=A=1"),
		"JKS magic then garbage":        []byte("\xfe\xed\xfe\xed\x00\x00\x00\x02garbage"),
		"PKCS#12-ish DER then garbage":  []byte("\x30\x82\x01\x00\x02\x01\x03"),
	}
}

// TestEveryEditorKeepsTheEditContract: every editor of the module, on input
// it understands and on input it does not, either refuses with no bytes or
// writes what its reader accepts and what a second run leaves unchanged;
// binary data, broken PEM and JSON that does not parse are refused.
func TestEveryEditorKeepsTheEditContract(t *testing.T) {
	inputs := hostile(t)
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, e := range editors(t) {
		t.Run(e.name, func(t *testing.T) {
			for _, n := range names {
				t.Run(n, func(t *testing.T) { checkContract(t, e, inputs[n]) })
			}
		})
	}
}

// FuzzEveryEditor runs every editor on arbitrary bytes; seeds are in
// testdata/fuzz/FuzzEveryEditor and the formats' golden inputs.
func FuzzEveryEditor(f *testing.F) {
	for _, in := range hostile(f) {
		f.Add(in)
	}
	for _, glob := range []string{"../../../proxyenv/testdata/formats/*/*.in", "../../../truststore/testdata/bundle/*.pem", "../../../jvmflags/testdata/units/*.service"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	es := editors(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, e := range es {
			checkContract(t, e, in)
		}
	})
}

func testCA(t testing.TB) *truststore.Certificate {
	if caPEM == nil {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(7),
			Subject:               pkix.Name{CommonName: "Contract Test CA", Organization: []string{"proxykit"}},
			NotBefore:             time.Unix(1.7e9, 0),
			NotAfter:              time.Unix(1.7e9, 0).AddDate(30, 0, 0),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := truststore.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		caPEM = c.PEM()
	}
	c, err := truststore.ParseCertificate(caPEM)
	if err != nil {
		t.Fatal(errors.Join(err))
	}
	return c
}
