package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/truststore"
)

// DCOSCAPath is where a DC/OS cluster serves its root CA. [FetchCA] fetches
// it when the URL has no path.
const DCOSCAPath = "/ca/dcos-ca.crt"

// MaxCASize bounds the body [FetchCA] reads.
const MaxCASize = 1 << 20

// FetchCA fetches the certificate authority served at rawURL and returns it
// only if its SHA-256 fingerprint is one of want.
//
// rawURL is an http or https URL, or a bare cluster name taken as https; a
// URL without a path gets [DCOSCAPath], so "https://dcos.corp" fetches
// https://dcos.corp/ca/dcos-ca.crt. The server's certificate is not verified:
// the CA is what would verify it, and the fingerprint is what makes the
// answer trustworthy. The body may hold PEM blocks or one DER certificate; the
// first certificate whose fingerprint is one of want is returned. It goes
// through the proxy opts.Proxy picks for the URL, bounded by opts.Timeout.
//
// When want is empty or matches no certificate, FetchCA returns a
// *[MismatchError] that carries the fingerprint of every certificate served,
// so the caller can show them for comparison; errors.Is reports
// [ErrNoFingerprint] or [ErrMismatch]. Errors quote the URL with any
// credentials redacted.
func FetchCA(ctx context.Context, rawURL string, opts CAOptions, want ...truststore.Fingerprint) (*truststore.Certificate, error) {
	u, err := parseCAURL(rawURL)
	if err != nil {
		return nil, err
	}
	source := u.Redacted()
	ctx, cancel := opts.bound(ctx)
	defer cancel()

	tr := &http.Transport{
		// Verification is what the fingerprint is for: this CA is the one
		// that would verify the server.
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
		DisableKeepAlives: true,
	}
	var proxy *url.URL
	if opts.Proxy != nil {
		if proxy, err = opts.Proxy(u); err != nil {
			return nil, fmt.Errorf("fetch %s: proxy: %w", source, err)
		}
	}
	if proxy != nil {
		switch proxy.Scheme {
		case "http", "https", "socks5", "socks5h":
		default:
			return nil, fmt.Errorf("fetch %s: %w %q", source, ErrProxyScheme, proxy.Scheme)
		}
		tr.Proxy = http.ProxyURL(proxy)
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", source, ErrURL)
	}
	req.Header.Set("Accept", "application/x-x509-ca-cert, application/pkix-cert, application/x-pem-file, */*")
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error quotes the whole URL, credentials included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fetch %s: %w", source, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %w: %s", source, ErrStatus, quote.Bounded(resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxCASize+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", source, err)
	}
	if len(body) > MaxCASize {
		return nil, fmt.Errorf("fetch %s: %w (over %d bytes)", source, ErrTooLarge, MaxCASize)
	}
	certs, err := truststore.ParseCertificates(body)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w in %d bytes: %w", source, ErrNoCertificate, len(body), err)
	}
	return match(source, certs, want)
}

// parseCAURL reads a CA URL or a bare cluster name without quoting it in an
// error (it may carry credentials).
func parseCAURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("%w: empty", ErrURL)
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot parse it", ErrURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q, want http or https", ErrURL, quote.Bounded(u.Scheme))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: no host", ErrURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = DCOSCAPath
	}
	return u, nil
}
