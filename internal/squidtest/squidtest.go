// Package squidtest runs the real TLS-intercepting proxy most corporate
// networks run, squid with SSL bump, on loopback for end-to-end tests, with an
// HTTPS origin behind it.
//
// [Start] writes a squid configuration into a fresh directory and starts
// "squid -N" in the foreground with:
//
//   - two ports on 127.0.0.1, both bumping every CONNECT with a test CA
//     ([Squid.CAFile]): [Squid.AuthURL] wants Basic authentication
//     ([Squid.User], [Squid.Password], checked by basic_ncsa_auth against an
//     htpasswd file), [Squid.OpenURL] wants none, for clients that cannot send
//     proxy credentials (Java's system properties have no password);
//   - hosts_file pinning [OriginHost] and [Squid.Hosts] to 127.0.0.1, so
//     tests use names, never DNS;
//   - an HTTPS origin on 127.0.0.1 ([Squid.OriginURL]) with its own CA,
//     which squid trusts (tls_outgoing_options cafile=) and clients do not.
//
// Every file squid writes (pid, logs, the certificate generator's database)
// stays in that directory. Everything started is stopped by process id when
// the test ends, within a bound. Where squid or its helpers are missing the
// test is skipped, or fails when [oracle.EnvRequire] is set (as in CI).
package squidtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/proxykit/proxykit/internal/oracle"
)

// OriginHost is the name the origin is reached by, pinned to 127.0.0.1 by
// squid's hosts_file. It is not resolvable outside squid.
const OriginHost = "origin.proxykit.test"

// OriginBody is what the origin answers to every request.
const OriginBody = "hello from the origin behind squid\n"

// User and Password are the credentials the authenticating port accepts. The
// password holds every character proxy URLs and file formats encode
// differently, and a blank.
const (
	User     = "svc-wire"
	Password = `p@ss :w%rd#$! x`
)

// Bounds of starting and stopping squid.
const (
	StartTimeout = 30 * time.Second
	StopTimeout  = 10 * time.Second
)

// HelperDirs are where distributions install squid's helpers
// (security_file_certgen, basic_ncsa_auth): Debian, RHEL, others.
var HelperDirs = []string{"/usr/lib/squid", "/usr/lib64/squid", "/usr/libexec/squid", "/usr/lib/squid3"}

// Squid is a running squid with its origin.
type Squid struct {
	Dir       string            // the directory holding squid's configuration, logs and CA
	AuthURL   string            // http://127.0.0.1:PORT, the port that wants Basic authentication (no credentials in it)
	OpenURL   string            // http://127.0.0.1:PORT, the port without authentication
	CAFile    string            // PEM file of the CA squid signs intercepted connections with
	CA        *x509.Certificate // that CA
	OriginURL string            // https://origin.proxykit.test:PORT/, reachable only through squid
	OriginCA  *x509.Certificate // the CA of the origin's certificate, which only squid trusts
	Version   string            // first line of "squid -v"

	cmd  *exec.Cmd
	done chan struct{}
}

// Options adjust [Start].
type Options struct {
	// Hosts are more names squid's hosts_file pins to 127.0.0.1; the origin
	// answers for them too.
	Hosts []string
	// Origin answers the origin's requests; nil answers [OriginBody] to
	// every request.
	Origin http.Handler
}

// Start starts squid and its origin and stops both when t ends.
func Start(t testing.TB, opts Options) *Squid {
	t.Helper()
	bin := oracle.Require(t, "squid")
	certgen := requireHelper(t, "security_file_certgen")
	ncsa := requireHelper(t, "basic_ncsa_auth")
	openssl := oracle.Require(t, "openssl")

	dir, err := os.MkdirTemp("", "squidtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })

	s := &Squid{Dir: dir, Version: oracle.Version(bin, "-v")}
	hosts := append([]string{OriginHost}, opts.Hosts...)
	origin, originCA := startOrigin(t, hosts, opts.Origin)
	s.OriginCA = originCA
	_, port, _ := net.SplitHostPort(origin.Listener.Addr().String())
	s.OriginURL = "https://" + net.JoinHostPort(OriginHost, port) + "/"

	ca, caKey, err := newCA("proxykit squidtest intercepting CA")
	if err != nil {
		t.Fatal(err)
	}
	s.CA, s.CAFile = ca, filepath.Join(dir, "ca.pem")
	keyDER, err := x509.MarshalPKCS8PrivateKey(caKey)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"ca.pem":        pemCert(ca),
		"ca.key":        pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"origin-ca.pem": pemCert(originCA),
		"hosts":         []byte("127.0.0.1 " + strings.Join(hosts, " ") + "\n"),
	}
	hash, err := apr1(openssl, Password)
	if err != nil {
		t.Fatal(err)
	}
	files["passwd"] = []byte(User + ":" + hash + "\n")
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "ssl_db")
	if out, err := exec.Command(certgen, "-c", "-s", db, "-M", "4MB").CombinedOutput(); err != nil {
		t.Fatalf("squidtest: initialise %s: %v\n%s", db, err, out)
	}

	// Two free loopback ports. Another process may take one between the
	// probe and squid's bind; a failed start says so in cache.log.
	authPort, openPort := freePort(t), freePort(t)
	s.AuthURL = "http://127.0.0.1:" + strconv.Itoa(authPort)
	s.OpenURL = "http://127.0.0.1:" + strconv.Itoa(openPort)
	conf := config(dir, certgen, ncsa, authPort, openPort)
	confFile := filepath.Join(dir, "squid.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ownForSquid(dir); err != nil {
		t.Fatal(err)
	}

	s.cmd = exec.Command(bin, "-N", "-f", confFile)
	s.cmd.Dir = dir
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	s.cmd.Stdout, s.cmd.Stderr = &stderr, &stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("squidtest: start squid: %v", err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)

	if err := s.waitReady(authPort, openPort); err != nil {
		t.Fatalf("squidtest: %v\n%s\ncache.log:\n%s", err, stderr.String(), s.CacheLog())
	}
	t.Logf("squidtest: %s on %s (auth) and %s (open), origin %s", s.Version, s.AuthURL, s.OpenURL, s.OriginURL)
	return s
}

// ProxyURL returns the authenticating port's URL with credentials, escaped as
// a URL's userinfo.
func (s *Squid) ProxyURL(user, password string) string {
	u, _ := url.Parse(s.AuthURL)
	u.User = url.UserPassword(user, password)
	return u.String()
}

// CacheLog returns squid's cache.log, for failure messages.
func (s *Squid) CacheLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "cache.log"))
	return string(b)
}

// AccessLog returns squid's access.log: one line per request it handled.
func (s *Squid) AccessLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "access.log"))
	return string(b)
}

// waitReady waits until both ports take a request and squid answers it.
func (s *Squid) waitReady(ports ...int) error {
	deadline := time.Now().Add(StartTimeout)
	for _, port := range ports {
		for {
			select {
			case <-s.done:
				return fmt.Errorf("squid exited during start: %v", s.cmd.ProcessState)
			default:
			}
			if err := answers(port); err == nil {
				break
			} else if time.Now().After(deadline) {
				return fmt.Errorf("squid not ready on port %d within %v: %v", port, StartTimeout, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// answers sends squid a request for its own manager page; any HTTP answer
// means the port is served.
func answers(port int) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, "GET http://127.0.0.1/squidtest-ready HTTP/1.0\r\n\r\n"); err != nil {
		return err
	}
	buf := make([]byte, 12)
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if !bytes.HasPrefix(buf, []byte("HTTP/")) {
		return fmt.Errorf("not an HTTP answer: %q", buf)
	}
	return nil
}

// stop stops squid by its process id: SIGTERM, then SIGKILL after
// [StopTimeout]. squid's helpers read from squid and end with it.
func (s *Squid) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(StopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func config(dir, certgen, ncsa string, authPort, openPort int) string {
	p := func(name string) string { return filepath.Join(dir, name) }
	bump := fmt.Sprintf("ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=4MB tls-cert=%s tls-key=%s",
		p("ca.pem"), p("ca.key"))
	lines := []string{
		"# written by proxykit's squidtest: squid with SSL bump on loopback",
		fmt.Sprintf("http_port 127.0.0.1:%d name=auth %s", authPort, bump),
		fmt.Sprintf("http_port 127.0.0.1:%d name=open %s", openPort, bump),
		fmt.Sprintf("sslcrtd_program %s -s %s -M 4MB", certgen, p("ssl_db")),
		"sslcrtd_children 2 startup=1 idle=1",
		fmt.Sprintf("auth_param basic program %s %s", ncsa, p("passwd")),
		"auth_param basic children 2 startup=1 idle=1",
		"auth_param basic realm proxykit squidtest",
		"acl authport myportname auth",
		"acl authed proxy_auth REQUIRED",
		"acl step1 at_step SslBump1",
		"ssl_bump peek step1",
		"ssl_bump bump all",
		"http_access deny authport !authed",
		"http_access allow all",
		"hosts_file " + p("hosts"),
		"tls_outgoing_options cafile=" + p("origin-ca.pem"),
		"pid_filename " + p("squid.pid"),
		"access_log stdio:" + p("access.log"),
		"cache_log " + p("cache.log"),
		"netdb_filename none",
		"coredump_dir " + dir,
		"cache deny all",
		"cache_mem 8 MB",
		"pinger_enable off",
		"visible_hostname squidtest",
		"shutdown_lifetime 0 seconds",
		"forwarded_for delete",
	}
	if os.Geteuid() == 0 {
		lines = append(lines, "cache_effective_user "+squidUser())
	}
	return strings.Join(lines, "\n") + "\n"
}

// squidUser is the user squid started as root drops to.
func squidUser() string {
	for _, name := range []string{"proxy", "squid", "nobody"} {
		if _, err := user.Lookup(name); err == nil {
			return name
		}
	}
	return "nobody"
}

// ownForSquid gives dir and everything in it to the user squid runs as,
// when the tests run as root: squid drops to that user before it writes its
// logs and runs its helpers.
func ownForSquid(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup(squidUser())
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func requireHelper(t testing.TB, name string) string {
	t.Helper()
	for _, d := range HelperDirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return oracle.Require(t, name) // not in the usual places: PATH, or skip/fail
}

// apr1 hashes password for an htpasswd file with "openssl passwd -apr1",
// which basic_ncsa_auth reads; the password goes through stdin.
func apr1(openssl, password string) (string, error) {
	cmd := exec.Command(openssl, "passwd", "-apr1", "-stdin")
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("squidtest: openssl passwd: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startOrigin starts the HTTPS origin for hosts with a CA of its own.
func startOrigin(t testing.TB, hosts []string, h http.Handler) (*httptest.Server, *x509.Certificate) {
	t.Helper()
	ca, caKey, err := newCA("proxykit squidtest origin CA")
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: hosts[0]},
		DNSNames:     hosts,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, OriginBody)
		})
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadHeaderTimeout = 5 * time.Second
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der, ca.Raw}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, ca
}

func newCA(name string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"proxykit test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return c, key, err
}

// PEM returns c as one PEM block.
func PEM(c *x509.Certificate) []byte { return pemCert(c) }

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// Get fetches s.OriginURL through proxy (a URL, credentials included)
// trusting roots, bounded by ctx: a quick check that the proxy works.
func Get(ctx context.Context, proxy string, roots *x509.CertPool, target string) (*http.Response, []byte, error) {
	pu, err := url.Parse(proxy)
	if err != nil {
		return nil, nil, errors.New("squidtest: bad proxy URL")
	}
	c := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(pu),
		TLSClientConfig: &tls.Config{RootCAs: roots},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, body, err
}
