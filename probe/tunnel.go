package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/proxykit/proxykit/proxyenv"
)

// tunnel is the one CONNECT of the package, for [Probe] and [ProxyCA]: it
// dials proxy (http, or https verified against proxyRoots, nil meaning the
// system's), asks it to CONNECT to hostport, sending proxy's credentials
// as Basic Proxy-Authorization, and, when handshake is set, performs a TLS
// handshake for host through the tunnel without verifying, returning the
// chain presented. status is the proxy's answer to CONNECT (0 when none
// came); an answer other than 2xx is returned as status, not as an error.
// Every step is bounded by ctx.
func tunnel(ctx context.Context, proxy proxyenv.Proxy, hostport, host string, proxyRoots *x509.CertPool, handshake bool) (chain []*x509.Certificate, status int, err error) {
	if proxy.Scheme != "http" && proxy.Scheme != "https" {
		return nil, 0, fmt.Errorf("%w %q: CONNECT needs an http or https proxy", ErrProxyScheme, proxy.Scheme)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", proxy.HostPort())
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Unblock reads and writes as soon as ctx is done.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if proxy.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: proxy.Host, RootCAs: proxyRoots})
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, 0, fmt.Errorf("tls to the proxy: %w", err)
		}
		conn = tc
	}

	var req strings.Builder
	fmt.Fprintf(&req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: proxykit-probe\r\n", hostport, hostport)
	if proxy.HasCredentials() {
		cred := base64.StdEncoding.EncodeToString([]byte(proxy.Username + ":" + proxy.Password.Reveal()))
		req.WriteString("Proxy-Authorization: Basic " + cred + "\r\n")
	}
	req.WriteString("\r\n")
	if _, err := conn.Write([]byte(req.String())); err != nil {
		return nil, 0, fmt.Errorf("send CONNECT: %w", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		return nil, 0, fmt.Errorf("read the answer to CONNECT: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 || !handshake {
		return nil, resp.StatusCode, nil
	}
	var through net.Conn = conn
	if br.Buffered() > 0 {
		through = &bufferedConn{Conn: conn, r: br}
	}
	tcfg := &tls.Config{InsecureSkipVerify: true} // the caller verifies, or the user checks the fingerprint
	if net.ParseIP(host) == nil {
		tcfg.ServerName = host
	}
	tc := tls.Client(through, tcfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, resp.StatusCode, fmt.Errorf("tls through the proxy: %w", err)
	}
	defer tc.Close()
	chain = tc.ConnectionState().PeerCertificates
	if len(chain) == 0 {
		return nil, resp.StatusCode, ErrNoChain
	}
	return chain, resp.StatusCode, nil
}

// bufferedConn reads first what the reader of the answer to CONNECT
// buffered.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// ordered returns presented ordered from its leaf up, by issuer names and
// signatures, whatever order the certificates came in, and marks which of
// presented it used. Unlike CheckSignatureFrom it does not insist on an
// issuer's basic constraints: some proxies' CAs lack them.
func ordered(presented []*x509.Certificate) (chain []*x509.Certificate, used []bool) {
	chain = []*x509.Certificate{presented[0]}
	used = make([]bool, len(presented))
	used[0] = true
	for cur := presented[0]; !selfSigned(cur); {
		next := -1
		for i, c := range presented {
			if !used[i] && signs(c, cur) {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		cur = presented[next]
		chain = append(chain, cur)
	}
	return chain, used
}

// selfSigned reports whether c names itself as issuer and its signature
// verifies with its own key.
func selfSigned(c *x509.Certificate) bool { return signs(c, c) }

// signs reports whether parent issued child.
func signs(parent, child *x509.Certificate) bool {
	return string(parent.RawSubject) == string(child.RawIssuer) &&
		parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature) == nil
}
