package probe_test

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/squidtest"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// TestProbeSquid probes through a real squid with SSL bump: each outcome a
// consumer can meet, decided by its proxy, its credentials, its no-proxy
// list and its store.
func TestProbeSquid(t *testing.T) {
	s := squidtest.Start(t, squidtest.Options{})
	ca, err := truststore.ParseCertificate(squidtest.PEM(s.CA))
	require.NoError(t, err)
	origin, err := truststore.ParseCertificate(squidtest.PEM(s.OriginCA))
	require.NoError(t, err)
	target, err := url.Parse(s.OriginURL)
	require.NoError(t, err)

	settings := func(proxy, password, noProxy string) proxyenv.Settings {
		st, err := proxyenv.FromValues(proxyenv.Values{Proxy: proxy, NoProxy: noProxy, Password: proxyenv.NewSecret(password)})
		require.NoError(t, err)
		return st
	}
	authUser := strings.Replace(s.AuthURL, "http://", "http://"+squidtest.User+"@", 1)
	closed := closedPort(t)

	for _, tc := range []struct {
		name  string
		c     probe.Consumer
		want  probe.Status
		check func(t *testing.T, r probe.Result)
	}{{
		name: "ok: credentials right, proxy CA trusted",
		c:    probe.Consumer{Name: "c", Client: proxyenv.Go, Settings: settings(authUser, squidtest.Password, ""), Roots: []*truststore.Certificate{ca}},
		want: probe.OK,
	}, {
		name: "ok: the open port, Java's rules",
		c:    probe.Consumer{Name: "c", Client: proxyenv.Java, Settings: settings(s.OpenURL, "", ""), Roots: []*truststore.Certificate{ca}},
		want: probe.OK,
	}, {
		name: "unknown authority: the store lacks the proxy CA",
		c:    probe.Consumer{Name: "c", Client: proxyenv.Curl, Settings: settings(authUser, squidtest.Password, ""), Roots: []*truststore.Certificate{origin}},
		want: probe.UnknownAuthority,
		check: func(t *testing.T, r probe.Result) {
			require.Equal(t, ca.Fingerprint().String(), r.Fingerprint, "the proxy CA's fingerprint, for -ca-from-proxy")
			require.Equal(t, s.CA.Subject.String(), r.Issuer)
		},
	}, {
		name: "proxy refused: wrong password",
		c:    probe.Consumer{Name: "c", Client: proxyenv.Python, Settings: settings(authUser, "wrong", ""), Roots: []*truststore.Certificate{ca}},
		want: probe.Refused,
		check: func(t *testing.T, r probe.Result) {
			require.Equal(t, 407, r.HTTPStatus)
			require.Contains(t, r.String(), "407 Proxy Authentication Required")
		},
	}, {
		name: "proxy refused: no credentials",
		c:    probe.Consumer{Name: "c", Client: proxyenv.Go, Settings: settings(s.AuthURL, "", ""), Roots: []*truststore.Certificate{ca}},
		want: probe.Refused,
	}, {
		name:  "bypassed: a no-proxy entry",
		c:     probe.Consumer{Name: "c", Client: proxyenv.Curl, Settings: settings(authUser, squidtest.Password, "10.0.0.0/8,.proxykit.test"), Roots: []*truststore.Certificate{ca}},
		want:  probe.Bypassed,
		check: func(t *testing.T, r probe.Result) { require.Equal(t, ".proxykit.test", r.Bypass) },
	}, {
		name:  "bypassed: no proxy at all",
		c:     probe.Consumer{Name: "c", Client: proxyenv.Go},
		want:  probe.Bypassed,
		check: func(t *testing.T, r probe.Result) { require.Empty(t, r.Bypass) },
	}, {
		name:  "unreachable: nothing listens",
		c:     probe.Consumer{Name: "c", Client: proxyenv.Go, Settings: settings(closed, "", ""), Roots: []*truststore.Certificate{ca}},
		want:  probe.Unreachable,
		check: func(t *testing.T, r probe.Result) { require.Contains(t, r.Error, "connection refused") },
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r := probe.Probe(ctx, tc.c, target)
			require.Equal(t, tc.want, r.Status, "%s", r)
			require.NotContains(t, r.String(), squidtest.Password)
			require.NotContains(t, r.String(), url.QueryEscape(squidtest.Password))
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestProbeTimeout: a proxy that accepts and never answers is unreachable
// within the bound.
func TestProbeTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	st, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://" + ln.Addr().String()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := probe.Probe(ctx, probe.Consumer{Name: "c", Settings: st}, &url.URL{Scheme: "https", Host: "example.test"})
	require.Equal(t, probe.Unreachable, r.Status, "%s", r)
	require.Less(t, time.Since(start), 3*time.Second)
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}
