package cafetchtest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// ConnDeadline bounds every connection the proxy handles.
const ConnDeadline = 10 * time.Second

// ProxyConfig says how a test proxy behaves.
type ProxyConfig struct {
	// CA re-signs every CONNECT target. Nil makes the proxy a plain tunnel,
	// which it opens to loopback addresses only.
	CA *CA
	// Present is what follows the leaf in the intercepted handshake; by
	// default CA.Chain() (the CA, its intermediates and the root).
	Present []*x509.Certificate
	// LeafOnly presents the leaf alone.
	LeafOnly bool
	// Username and Password, when set, are required as Basic
	// Proxy-Authorization; other requests get 407.
	Username, Password string
	// Handler answers the requests the proxy intercepts (and plain http
	// requests sent to it). By default it answers 200 with
	// "intercepted <scheme>://<host><path>\n".
	Handler http.Handler
}

// Proxy is a running test proxy.
type Proxy struct {
	Addr string // 127.0.0.1:port
	URL  string // http://127.0.0.1:port, without credentials

	cfg   ProxyConfig
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
	log   []string
	certs map[string]*tls.Certificate
}

// NewProxy starts a proxy with [StartProxy] and stops it when the test ends.
func NewProxy(t testing.TB, cfg ProxyConfig) *Proxy {
	t.Helper()
	p, err := StartProxy(cfg)
	if err != nil {
		t.Fatalf("cafetchtest: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// StartProxy starts a proxy on 127.0.0.1. The caller stops it with Close,
// which also closes its connections.
func StartProxy(cfg ProxyConfig) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if cfg.Handler == nil {
		cfg.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			fmt.Fprintf(w, "intercepted %s://%s%s\n", scheme, r.Host, r.URL.Path)
		})
	}
	if cfg.CA != nil && cfg.Present == nil && !cfg.LeafOnly {
		cfg.Present = cfg.CA.Chain()
	}
	p := &Proxy{
		Addr: ln.Addr().String(), URL: "http://" + ln.Addr().String(),
		cfg: cfg, ln: ln, conns: map[net.Conn]bool{}, certs: map[string]*tls.Certificate{},
	}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Close stops the proxy and waits for its connections to end.
func (p *Proxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Requests returns one line per request the proxy received, such as
// "CONNECT example.test:443 200" or "GET http://h/ 407", in order.
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

func (p *Proxy) record(format string, args ...any) {
	p.mu.Lock()
	p.log = append(p.log, fmt.Sprintf(format, args...))
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns[c] = true
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer func() {
				_ = c.Close()
				p.mu.Lock()
				delete(p.conns, c)
				p.mu.Unlock()
			}()
			_ = c.SetDeadline(time.Now().Add(ConnDeadline))
			p.handle(c)
		}()
	}
}

func (p *Proxy) authorized(r *http.Request) bool {
	if p.cfg.Username == "" && p.cfg.Password == "" {
		return true
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(p.cfg.Username+":"+p.cfg.Password))
	return r.Header.Get("Proxy-Authorization") == want
}

func (p *Proxy) handle(c net.Conn) {
	br := bufio.NewReader(c)
	r, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if !p.authorized(r) {
		p.record("%s %s 407", r.Method, r.RequestURI)
		_, _ = io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	if r.Method != http.MethodConnect {
		p.record("%s %s 200", r.Method, r.RequestURI)
		respond(c, r, p.cfg.Handler)
		return
	}
	target := r.RequestURI
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		p.record("CONNECT %s 400", target)
		_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if p.cfg.CA == nil {
		p.tunnel(c, br, target, host)
		return
	}
	p.record("CONNECT %s 200", target)
	_, _ = io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	cert := p.certFor(host)
	tc := tls.Server(&bufConn{Conn: c, r: br}, &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err := tc.Handshake(); err != nil {
		return
	}
	ir, err := http.ReadRequest(bufio.NewReader(tc))
	if err != nil {
		return
	}
	ir.TLS = &tls.ConnectionState{}
	respond(tc, ir, p.cfg.Handler)
	_ = tc.CloseWrite()
}

// tunnel splices c to target, which must be a loopback address.
func (p *Proxy) tunnel(c net.Conn, br *bufio.Reader, target, host string) {
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		p.record("CONNECT %s 403", target)
		_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := net.DialTimeout("tcp", target, ConnDeadline)
	if err != nil {
		p.record("CONNECT %s 502", target)
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	_ = up.SetDeadline(time.Now().Add(ConnDeadline))
	p.record("CONNECT %s 200", target)
	_, _ = io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(up, br)
		if tc, ok := up.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		close(done)
	}()
	_, _ = io.Copy(c, up)
	_ = c.Close()
	<-done
}

func (p *Proxy) certFor(host string) *tls.Certificate {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.certs[host]; ok {
		return c
	}
	c := p.cfg.CA.TLSCertificate(p.cfg.Present, host)
	p.certs[host] = &c
	return &c
}

// respond answers r with h and asks the client to close the connection.
func respond(w io.Writer, r *http.Request, h http.Handler) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	res := rec.Result()
	body := rec.Body.Bytes()
	res.ContentLength = int64(len(body))
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.Close = true
	res.Request = r
	_ = res.Write(w)
}

// bufConn reads first what was buffered while reading the CONNECT request.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(b []byte) (int, error) { return c.r.Read(b) }
