package truststore_test

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing/fstest"
	"time"

	"github.com/proxykit/proxykit/truststore"
)

// A corporate proxy's CA, as an administrator would paste it.
const proxyCAPEM = `-----BEGIN CERTIFICATE-----
MIIBWTCCAQugAwIBAgIJAMZatzCQAH8DMAUGAytlcDAwMRYwFAYDVQQKEw1Qcm94
eWtpdCBUZXN0MRYwFAYDVQQDEw1Db3JwIFByb3h5IENBMB4XDTI1MDEwMTAwMDAw
MFoXDTQ1MDEwMTAwMDAwMFowMDEWMBQGA1UEChMNUHJveHlraXQgVGVzdDEWMBQG
A1UEAxMNQ29ycCBQcm94eSBDQTAqMAUGAytlcAMhADncCQv8JuE4agkrphtvfAzp
+G/MBxSdJJX3aRUMjY6fo0IwQDAOBgNVHQ8BAf8EBAMCAQYwDwYDVR0TAQH/BAUw
AwEB/zAdBgNVHQ4EFgQUxlq3MJAAfwMgjn+pdh2IjVuMODQwBQYDK2VwA0EAYNOh
nNhJsZJsZRu7uur1d+jqijevgXJGRH177QA72gDb59UfwjTBLIU8w09w6/gbrvtW
FUvgIzmFkGICIkzqCw==
-----END CERTIFICATE-----
`

func ExampleParseCertificate() {
	ca, err := truststore.ParseCertificate([]byte(proxyCAPEM))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ca.Label())
	fmt.Println(ca.Fingerprint())
	fmt.Println(ca.Alias())
	for _, w := range ca.Warnings(epoch) {
		fmt.Println("warning:", w)
	}
	// Output:
	// Corp Proxy CA
	// F8:62:78:90:73:8E:E2:18:38:AE:D9:CC:AF:9F:07:47:DA:9E:AA:73:F2:06:D0:69:8F:B9:85:F1:D9:4A:B0:BC
	// corp-proxy-ca-f8627890
}

// A bundle whose last line lacks its newline: "cat ca.pem >> bundle" would
// glue two PEM blocks together and break every certificate in it.
const oldBundle = `# site CAs
-----BEGIN CERTIFICATE-----
MIIBWTCCAQugAwIBAgIJAM8qNZ280G4RMAUGAytlcDAwMRYwFAYDVQQKEw1Qcm94
eWtpdCBUZXN0MRYwFAYDVQQDEw1BbHBoYSBSb290IENBMB4XDTI1MDEwMTAwMDAw
MFoXDTQ1MDEwMTAwMDAwMFowMDEWMBQGA1UEChMNUHJveHlraXQgVGVzdDEWMBQG
A1UEAxMNQWxwaGEgUm9vdCBDQTAqMAUGAytlcAMhAHiyTZX5UYUYO8FHfrpdQcZ1
8RUGqk7sS2mhGyzl41Y/o0IwQDAOBgNVHQ8BAf8EBAMCAQYwDwYDVR0TAQH/BAUw
AwEB/zAdBgNVHQ4EFgQUzyo1nbzQbhEHh+tOWh/8EvmeIekwBQYDK2VwA0EAgWf0
JPIA4XnpnPkyn52dCJ8KgS/2F/o6r8yP6jrqS5Jp4rJ5/JLPCBXPDQEdyozKqPvq
Nb6qufz6gAOhjovaAQ==
-----END CERTIFICATE-----`

func ExampleAddToBundle() {
	ca, _ := truststore.ParseCertificate([]byte(proxyCAPEM))
	add := truststore.AddToBundle(ca)

	out, err := add([]byte(oldBundle))
	if err != nil {
		fmt.Println(err)
		return
	}
	entries, _ := truststore.ListBundle(out)
	for _, e := range entries {
		fmt.Printf("line %d: %s %q\n", e.Line, e.Fingerprint.String()[:11], e.Label)
	}
	again, _ := add(out)
	fmt.Println("adding twice changes nothing:", string(again) == string(out))
	back, _ := truststore.RemoveFromBundle(ca.Fingerprint())(out)
	fmt.Printf("removed: %q\n", strings.TrimPrefix(string(back), oldBundle))
	// Output:
	// line 2: CC:37:D7:82 "site CAs"
	// line 13: F8:62:78:90 "Corp Proxy CA"
	// adding twice changes nothing: true
	// removed: "\n"
}

func ExampleAddToKeystore() {
	ca, _ := truststore.ParseCertificate([]byte(proxyCAPEM))
	add := truststore.AddToKeystore(ca, "corp-proxy",
		truststore.WithPassword(truststore.NewPassword("changeit")),
		truststore.WithNewFormat(truststore.FormatPKCS12)) // for a store created from nothing

	store, err := add(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, _ := add(store)
	fmt.Println("adding twice changes nothing:", string(again) == string(store))

	entries, format, _ := truststore.ListKeystore(store)
	fmt.Println(format)
	for _, e := range entries {
		fmt.Println(e.Alias, e.Trusted, e.Fingerprint.String()[:11])
	}

	// A wrong password is its own error, and never printed.
	jks, _ := truststore.AddToKeystore(ca, "")(nil)
	_, err = truststore.RemoveFromKeystore(ca.Fingerprint(),
		truststore.WithPassword(truststore.NewPassword("hunter2")))(jks)
	fmt.Println(errors.Is(err, truststore.ErrWrongPassword), err)
	// Output:
	// adding twice changes nothing: true
	// PKCS12
	// corp-proxy true F8:62:78:90
	// true remove F8:62:78:90:73:8E:E2:18:38:AE:D9:CC:AF:9F:07:47:DA:9E:AA:73:F2:06:D0:69:8F:B9:85:F1:D9:4A:B0:BC from keystore: keystore password is incorrect
}

func ExampleDiscover() {
	jdkLink := &fstest.MapFile{Data: []byte("/etc/ssl/certs/java/cacerts"), Mode: fs.ModeSymlink | 0o777}
	jks, _ := truststore.AddToKeystore(mustCA(), "")(nil)
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"etc/os-release":             {Data: []byte("ID=ubuntu\nID_LIKE=debian\n")},
		"etc/ssl/certs/java/cacerts": {Data: jks},
		"usr/lib/jvm/java-21-openjdk-amd64/lib/security/cacerts": jdkLink,
		"opt/conda/ssl/cacert.pem":                               {Data: []byte(proxyCAPEM)},
	}
	stores, err := truststore.Discover(node, truststore.Discovery{Bundles: []string{"opt/conda/ssl/cacert.pem"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range stores {
		fmt.Printf("%s: %s", s.Kind, s.Real)
		if s.Regenerated {
			fmt.Printf(" (regenerated; run %s)", strings.Join(s.Update, " "))
		}
		fmt.Println()
	}
	// Output:
	// system store: usr/local/share/ca-certificates
	// Java keystore: etc/ssl/certs/java/cacerts (regenerated; run update-ca-certificates)
	// PEM bundle: opt/conda/ssl/cacert.pem
}

func mustCA() *truststore.Certificate {
	ca, err := truststore.ParseCertificate([]byte(proxyCAPEM))
	if err != nil {
		panic(err)
	}
	return ca
}

func ExampleDetectLayout() {
	node := fstest.MapFS{
		"etc/os-release": {Data: []byte("NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n")},
	}
	l, ok := truststore.DetectLayout(node)
	fmt.Println(ok, l.Family)
	fmt.Println(l.AnchorPath("corp-proxy"))
	fmt.Println(strings.Join(l.Update, " "))
	fmt.Println(l.Regenerates("etc/pki/java/cacerts"))
	// Output:
	// true rhel
	// etc/pki/ca-trust/source/anchors/corp-proxy.crt
	// update-ca-trust extract
	// true
}

func ExampleDetectKeystore() {
	jks, _ := truststore.AddToKeystore(mustCA(), "")(nil)
	p12, _ := truststore.AddToKeystore(mustCA(), "", truststore.WithNewFormat(truststore.FormatPKCS12))(nil)
	fmt.Println(truststore.DetectKeystore(jks))
	fmt.Println(truststore.DetectKeystore(p12))
	fmt.Println(truststore.DetectKeystore([]byte(proxyCAPEM)))
	// Output:
	// JKS
	// PKCS12
	// unknown
}

func ExampleRemoveFromBundle() {
	ca := mustCA()
	bundle := "# site CAs\n" + proxyCAPEM + "# end of site CAs\n"
	out, err := truststore.RemoveFromBundle(ca.Fingerprint())([]byte(bundle))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", out)
	// Output:
	// "# end of site CAs\n"
}

func ExampleListKeystore() {
	cacerts, err := os.ReadFile("testdata/keystore/debian-cacerts.jks")
	if err != nil {
		fmt.Println(err)
		return
	}
	entries, format, err := truststore.ListKeystore(cacerts, truststore.WithPassword(truststore.DefaultJavaPassword()))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(format, len(entries))
	e := entries[len(entries)-1]
	fmt.Println(e.Alias, e.Created.Format(time.DateOnly))
	fmt.Println(e.Fingerprint)
	// Output:
	// JKS 5
	// debian:isrg_root_x1.pem 2025-06-24
	// 96:BC:EC:06:26:49:76:F3:74:60:77:9A:CF:28:C5:A7:CF:E8:A3:C0:AA:E1:1A:8F:FC:EE:05:C0:BD:DF:08:C6
}

func ExampleChanges() {
	jdkLink := &fstest.MapFile{Data: []byte("/etc/ssl/certs/java/cacerts"), Mode: fs.ModeSymlink | 0o777}
	jks, _ := truststore.AddToKeystore(mustCA(), "")(nil)
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"etc/os-release":             {Data: []byte("ID=ubuntu\nID_LIKE=debian\n")},
		"etc/ssl/certs/java/cacerts": {Data: jks},
		"usr/lib/jvm/java-21-openjdk-amd64/lib/security/cacerts": jdkLink,
		"opt/conda/ssl/cacert.pem":                               {Data: []byte(proxyCAPEM)},
	}
	plan, err := truststore.Changes(node, []*truststore.Certificate{mustCA()}, truststore.ChangeOptions{
		Alias:     "corp-proxy",
		Discovery: truststore.Discovery{Bundles: append(truststore.DefaultBundleGlobs(), "opt/conda/ssl/cacert.pem")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Changes {
		// Write c.Edit(old) to c.Path, then run c.Update once.
		fmt.Printf("write /%s: %s\n", c.Path, c.Why)
	}
	for _, l := range plan.Left {
		fmt.Printf("leave /%s: %s\n", l.Store.Path, l.Reason)
	}
	// Output:
	// write /usr/local/share/ca-certificates/corp-proxy.crt: the proxy's CA in the system store (debian), then update-ca-certificates
	// write /opt/conda/ssl/cacert.pem: the proxy's CA in a PEM bundle
	// leave /usr/lib/jvm/java-21-openjdk-amd64/lib/security/cacerts: rebuilt by update-ca-certificates from the system store
}

func ExampleSystemPool() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"etc/os-release": {Data: []byte("ID=rocky\nID_LIKE=\"rhel centos fedora\"\n")},
		"etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem": {Data: []byte(proxyCAPEM)},
	}
	pool, err := truststore.SystemPool(node)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = mustCA().X509().Verify(x509.VerifyOptions{Roots: pool, CurrentTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	fmt.Println("the proxy's CA is trusted system-wide:", err == nil)
	// Output: the proxy's CA is trusted system-wide: true
}

// Discovery.BundleRoots walks DC/OS's package store for Python's PEM
// bundles: each is found where it is, whatever the package.
func ExampleDiscovery_bundleRoots() {
	bundle := &fstest.MapFile{Data: []byte(proxyCAPEM), Mode: 0o644}
	fsys := fstest.MapFS{
		"opt/mesosphere/packages/python--0a1b/lib/python3.4/site-packages/pip/_vendor/requests/cacert.pem":     bundle,
		"opt/mesosphere/packages/boto--2c3d/lib/python3.4/site-packages/botocore/vendored/requests/cacert.pem": bundle,
		"opt/mesosphere/packages/dcos-image-deps--4e5f/lib/python3.4/site-packages/websocket/cacert.pem":       bundle,
		"opt/mesosphere/packages/python-requests--6a7b/lib/python3.4/site-packages/requests/cacert.pem":        bundle,
		"opt/mesosphere/packages/python-requests--6a7b/lib/python3.4/site-packages/requests/__init__.py":       {Data: []byte("\n")},
	}
	stores, err := truststore.Discover(fsys, truststore.Discovery{BundleRoots: truststore.DCOSBundleRoots()})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range stores {
		fmt.Println(s.Kind, "/"+s.Path)
	}
	// Output:
	// PEM bundle /opt/mesosphere/packages/boto--2c3d/lib/python3.4/site-packages/botocore/vendored/requests/cacert.pem
	// PEM bundle /opt/mesosphere/packages/dcos-image-deps--4e5f/lib/python3.4/site-packages/websocket/cacert.pem
	// PEM bundle /opt/mesosphere/packages/python--0a1b/lib/python3.4/site-packages/pip/_vendor/requests/cacert.pem
	// PEM bundle /opt/mesosphere/packages/python-requests--6a7b/lib/python3.4/site-packages/requests/cacert.pem
}

func ExampleCertificate_CheckAnchor() {
	ca := mustCA() // valid from 2025 to 2045
	later := time.Date(2046, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := ca.CheckAnchor(truststore.AnchorOptions{Now: later})
	fmt.Println(errors.Is(err, truststore.ErrExpired), err)

	warnings, err := ca.CheckAnchor(truststore.AnchorOptions{Now: later, AllowExpired: true})
	fmt.Println(err)
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// true certificate expired: certificate "Corp Proxy CA" (SHA-256 F8:62:78:90:73:8E:E2:18:38:AE:D9:CC:AF:9F:07:47:DA:9E:AA:73:F2:06:D0:69:8F:B9:85:F1:D9:4A:B0:BC) expired on 2045-01-01
	// <nil>
	// warning: certificate "Corp Proxy CA" (SHA-256 F8:62:78:90:73:8E:E2:18:38:AE:D9:CC:AF:9F:07:47:DA:9E:AA:73:F2:06:D0:69:8F:B9:85:F1:D9:4A:B0:BC): expired on 2045-01-01
}

func ExampleChangeOptions_skip() {
	jks, _ := truststore.AddToKeystore(mustCA(), "")(nil)
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"etc/os-release":                      {Data: []byte("ID=debian\n")},
		"opt/jdk-21/lib/security/cacerts":     {Data: jks},
		"opt/vendor/jre/lib/security/cacerts": {Data: jks},
	}
	plan, err := truststore.Changes(node, []*truststore.Certificate{mustCA()}, truststore.ChangeOptions{
		// The vendor's JRE trusts only what the vendor ships.
		Skip: []string{"/opt/vendor", "/opt/jdk-8"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Changes {
		fmt.Printf("write /%s\n", c.Path)
	}
	for _, s := range plan.Skipped {
		fmt.Printf("skip /%s (%s)\n", s.Store.Path, s.Pattern)
	}
	for _, pat := range plan.Unmatched {
		fmt.Printf("no store matches %s\n", pat)
	}
	// Output:
	// write /usr/local/share/ca-certificates/corporate_proxy.crt
	// write /opt/jdk-21/lib/security/cacerts
	// skip /opt/vendor/jre/lib/security/cacerts (/opt/vendor)
	// no store matches /opt/jdk-8
}

func ExampleStore_Matches() {
	st := truststore.Store{
		Kind: truststore.KindKeystore,
		Path: "usr/lib/jvm/java-17-openjdk/lib/security/cacerts",
		Real: "etc/pki/ca-trust/extracted/java/cacerts", // where its link leads
	}
	for _, pattern := range []string{"/usr/lib/jvm/*/lib/security/cacerts", "/usr/lib/jvm", "/etc/pki/ca-trust", "/opt"} {
		fmt.Println(pattern, st.Matches(pattern))
	}
	// Output:
	// /usr/lib/jvm/*/lib/security/cacerts true
	// /usr/lib/jvm true
	// /etc/pki/ca-trust true
	// /opt false
}

func ExampleChange_Reaches() {
	jdkLink := &fstest.MapFile{Data: []byte("/etc/pki/ca-trust/extracted/java/cacerts"), Mode: fs.ModeSymlink | 0o777}
	jks, _ := truststore.AddToKeystore(mustCA(), "")(nil)
	jks, _ = truststore.RemoveFromKeystore(mustCA().Fingerprint())(jks) // an empty keystore
	node := fstest.MapFS{                                               // os.DirFS("/") on a real node
		"etc/os-release": {Data: []byte("ID=\"centos\"\n")},
		"etc/pki/ca-trust/extracted/java/cacerts":          {Data: jks},
		"usr/lib/jvm/jre-11/lib/security/cacerts":          jdkLink,
		"opt/jdk-21/lib/security/cacerts":                  {Data: jks},
		"etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem": {Data: []byte(proxyCAPEM)},
	}
	plan, err := truststore.Changes(node, []*truststore.Certificate{mustCA()}, truststore.ChangeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var regenerated []truststore.Store
	for _, l := range plan.Left {
		if l.Store.Regenerated {
			regenerated = append(regenerated, l.Store)
		}
	}
	// The keystores two JVMs read at start (see jvmflags.Keystore): the
	// distribution's JRE's, which update-ca-trust rebuilds, and a JDK's own.
	for _, ks := range []string{"etc/pki/ca-trust/extracted/java/cacerts", "opt/jdk-21/lib/security/cacerts"} {
		for _, c := range plan.Changes {
			if c.Reaches(ks, regenerated) {
				fmt.Printf("/%s: restart its readers after writing /%s\n", ks, c.Path)
			}
		}
	}
	// Output:
	// /etc/pki/ca-trust/extracted/java/cacerts: restart its readers after writing /etc/pki/ca-trust/source/anchors/corporate_proxy.crt
	// /opt/jdk-21/lib/security/cacerts: restart its readers after writing /opt/jdk-21/lib/security/cacerts
}
