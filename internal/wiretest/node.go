package wiretest

import (
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/internal/rootfs"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/systemdunit"
	"github.com/proxykit/proxykit/truststore"
)

// ReadFile reads name (as on the node: "/etc/environment") under root,
// following the node's links inside root; a missing file is empty.
func ReadFile(t testing.TB, root, name string) []byte {
	t.Helper()
	p, ok := Resolve(t, root, name)
	if !ok {
		return nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Resolve returns the host path of name (as on the node) under root, with
// the node's links resolved inside root, and whether it exists.
func Resolve(t testing.TB, root, name string) (string, bool) {
	t.Helper()
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rel, err := rootfs.Resolve(r.FS(), name)
	if err != nil {
		return "", false
	}
	return filepath.Join(root, filepath.FromSlash(rel)), true
}

// UnitEnv returns the environment systemd gives the unit under root: its
// Environment= assignments with every drop-in, then the contents of its
// EnvironmentFile= files, read with systemdunit's
// [systemdunit.Unit.Effective] — what the service itself sees.
func UnitEnv(t testing.TB, root, unit string) []string {
	t.Helper()
	return effective(t, root, unit).Env()
}

// effective reads the unit under root as systemd would start it.
func effective(t testing.TB, root, unit string) *systemdunit.Effective {
	t.Helper()
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	u, err := systemdunit.Load(r.FS(), unit)
	if err != nil {
		t.Fatalf("wiretest: %v", err)
	}
	eff, err := u.Effective(r.FS())
	if err != nil {
		t.Fatalf("wiretest: %s: %v", unit, err)
	}
	return eff
}

// JavaStart is how a Java service starts, as systemd would start it.
type JavaStart struct {
	// Props are the -D options of its effective ExecStart=.
	Props []string
	// ToolOptions is JAVA_TOOL_OPTIONS in the environment systemd passes
	// it (Environment= of the unit and its drop-ins, EnvironmentFile=
	// files), "" when unset; the JVM reads it before the command line,
	// whose own -D win.
	ToolOptions string
	// Launcher is the java launcher as written on the node.
	Launcher string
}

// JavaService describes how a Java service under root starts: the -D
// options of its effective ExecStart= and its JAVA_TOOL_OPTIONS (unit and
// drop-ins, read with systemdunit's [systemdunit.Unit.Effective] and
// jvmflags) and its launcher as written on the node.
func JavaService(t testing.TB, root, unit string) JavaStart {
	t.Helper()
	eff := effective(t, root, unit)
	if len(eff.ExecStart) == 0 {
		t.Fatalf("wiretest: %s: no ExecStart=", unit)
	}
	c, err := jvmflags.ParseCommand(eff.ExecStart[len(eff.ExecStart)-1].Argv)
	if err != nil {
		t.Fatalf("wiretest: %s: %v", unit, err)
	}
	var s JavaStart
	for _, o := range c.Options() {
		if o.Name() == "-D" {
			s.Props = append(s.Props, o.Words...)
		}
	}
	if v, ok := eff.Lookup("JAVA_TOOL_OPTIONS"); ok {
		s.ToolOptions = v.Value
	}
	s.Launcher = c.Launcher()
	return s
}

// JavaCacerts returns the host path under root of the cacerts keystore of
// the JRE whose launcher is launcher (…/bin/java): lib/security/cacerts for
// JDK 9+, jre/lib/security/cacerts for JDK 8, links resolved inside root.
func JavaCacerts(t testing.TB, root, launcher string) string {
	t.Helper()
	home := path.Dir(path.Dir(launcher))
	for _, p := range []string{home + "/lib/security/cacerts", home + "/jre/lib/security/cacerts"} {
		if hp, ok := Resolve(t, root, p); ok {
			return hp
		}
	}
	t.Fatalf("wiretest: no cacerts for %s under the root", launcher)
	return ""
}

// RHELBundle returns a file holding the bundle that "update-ca-trust
// extract" would make of what apply left under a RHEL root: the extracted
// bundle followed by every anchor in /etc/pki/ca-trust/source/anchors.
// update-ca-trust (p11-kit) is RHEL's and does not run on a Debian test
// machine; this stands in for its PEM output.
func RHELBundle(t testing.TB, root string) string {
	t.Helper()
	var b bytes.Buffer
	b.Write(ReadFile(t, root, "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"))
	dir, ok := Resolve(t, root, "/etc/pki/ca-trust/source/anchors")
	if ok {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
				b.WriteByte('\n')
			}
			b.Write(data)
		}
	}
	out := filepath.Join(t.TempDir(), "tls-ca-bundle.pem")
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// UpdateCACertificates runs Debian's real update-ca-certificates, the
// follow-up command apply lists, on a Debian root: every directory it reads
// and writes is pointed inside root. It returns the host path of the bundle
// it writes, /etc/ssl/certs/ca-certificates.crt under root.
func UpdateCACertificates(t testing.TB, root string) string {
	t.Helper()
	tool := oracle.Require(t, "update-ca-certificates")
	in := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	for _, d := range []string{"etc/ssl/certs", "usr/share/ca-certificates", "usr/local/share/ca-certificates"} {
		if err := os.MkdirAll(in(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := in("etc/ca-certificates.conf")
	if _, err := os.Stat(conf); err != nil {
		if err := os.WriteFile(conf, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(tool, "--fresh",
		"--certsconf", conf, "--certsdir", in("usr/share/ca-certificates"),
		"--localcertsdir", in("usr/local/share/ca-certificates"),
		"--etccertsdir", in("etc/ssl/certs"), "--hooksdir", in("etc/ca-certificates/update.d"))
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("update-ca-certificates: %v\n%s", err, out)
	}
	return in("etc/ssl/certs/ca-certificates.crt")
}

// Has407 reports whether a client's diagnosis says the proxy wants
// authentication (HTTP 407), in the words each client uses.
func Has407(out string) bool {
	return strings.Contains(out, "407") || strings.Contains(out, "Proxy Authentication Required")
}

// UpdateCATrust stands in for RHEL's "update-ca-trust extract", the
// follow-up command apply lists on a RHEL root, which does not run on a
// Debian test machine: it appends every anchor of
// /etc/pki/ca-trust/source/anchors to the extracted PEM bundle and adds it
// to the extracted Java keystore (password changeit), as p11-kit would.
func UpdateCATrust(t testing.TB, root string) {
	t.Helper()
	bundle := RHELBundle(t, root)
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := Resolve(t, root, "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem")
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ks, ok := Resolve(t, root, "/etc/pki/ca-trust/extracted/java/cacerts")
	if !ok {
		return
	}
	dir, _ := Resolve(t, root, "/etc/pki/ca-trust/source/anchors")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		pemData, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		c, err := truststore.ParseCertificate(pemData)
		if err != nil {
			t.Fatal(err)
		}
		old, err := os.ReadFile(ks)
		if err != nil {
			t.Fatal(err)
		}
		alias := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		out, err := truststore.AddToKeystore(c, alias, truststore.WithPassword(truststore.DefaultJavaPassword()))(old)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ks, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
