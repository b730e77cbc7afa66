package probe_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/proxykit/proxykit/internal/cafetchtest"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// Fetch a cluster's CA: refused without a fingerprint (the error shows the
// one served, for the user to compare), returned with it.
func ExampleFetchCA() {
	ca := cafetchtest.NewCA("DC/OS Root CA example")
	cluster := cafetchtest.StartCluster(ca, nil) // on 127.0.0.1
	defer cluster.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Without a fingerprint the CA is refused, and its fingerprint shown.
	_, err := probe.FetchCA(ctx, cluster.URL, probe.CAOptions{})
	var me *probe.MismatchError
	if errors.As(err, &me) {
		fmt.Println("compare:", me.Got[0])
	}

	// With the fingerprint the user compared, it is returned.
	want, _ := truststore.ParseFingerprint(me.Got[0].String())
	cert, err := probe.FetchCA(ctx, cluster.URL, probe.CAOptions{}, want)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("trusted:", cert.Label())
	// Output:
	// compare: AF:0C:23:21:5A:A9:AB:4C:24:26:13:4B:E0:D3:8D:F4:78:9C:2E:09:B7:07:EF:F1:E8:B1:D6:9E:11:41:82:29
	// trusted: DC/OS Root CA example
}

// Discover the CA an intercepting proxy signs with, then trust it with the
// fingerprint the security team gave.
func ExampleProxyCA() {
	root := cafetchtest.NewCA("Corp Root CA")
	px, err := cafetchtest.StartProxy(cafetchtest.ProxyConfig{CA: root.NewIntermediate("Corp Issuing CA")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer px.Close()
	proxy, _ := proxyenv.ParseProxy(px.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	o, err := probe.ProxyCA(ctx, proxy, "registry-1.docker.io", probe.CAOptions{Roots: x509.NewCertPool()})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range o.Chain {
		fmt.Println("presented:", c.Subject.CommonName)
	}
	fmt.Println("offered:", o.CA.Label(), o.SelfSigned)
	fmt.Println("fingerprint:", o.CA.Fingerprint())

	given, _ := truststore.ParseFingerprint("SHA256: 1A:A0:A5:CA:3A:77:F6:00:B5:E1:01:B2:80:B9:9F:96:97:DB:2A:96:25:78:1B:05:53:13:FF:89:D7:1C:22:D2")
	ca, err := o.Trust(given)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("trusted:", ca.Label())
	// Output:
	// presented: registry-1.docker.io
	// presented: Corp Issuing CA
	// presented: Corp Root CA
	// offered: Corp Root CA true
	// fingerprint: 1A:A0:A5:CA:3A:77:F6:00:B5:E1:01:B2:80:B9:9F:96:97:DB:2A:96:25:78:1B:05:53:13:FF:89:D7:1C:22:D2
	// trusted: Corp Root CA
}

// Fetch a cluster's CA and the proxy's at once, each trusted only with one
// of the fingerprints given: the cluster's CA through the proxy (Go's
// no-proxy rules decide), the proxy's by asking it to CONNECT.
func ExampleFetchCAs() {
	clusterCA := cafetchtest.NewCA("DC/OS Root CA example")
	cluster := cafetchtest.StartCluster(clusterCA, nil)
	defer cluster.Close()
	px, err := cafetchtest.StartProxy(cafetchtest.ProxyConfig{CA: cafetchtest.NewCA("Corp Root CA")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer px.Close()
	settings, err := proxyenv.FromValues(proxyenv.Values{Proxy: px.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	fetched := probe.FetchCAs(ctx, probe.CARequest{
		URLs:         []string{cluster.URL},
		ProxyTargets: []string{"registry-1.docker.io"},
		Fingerprints: []truststore.Fingerprint{clusterCA.Fingerprint()}, // the proxy's is not given
		Settings:     settings,
		Options:      probe.CAOptions{Roots: x509.NewCertPool()},
	})
	for _, f := range fetched {
		if f.Err != nil {
			fmt.Println("refused:", errors.Is(f.Err, probe.ErrNoFingerprint), errors.Is(f.Err, probe.ErrMismatch), f.Offer.CA.Label())
			continue
		}
		fmt.Println("trusted:", f.Cert.Label(), "from", f.Source == cluster.URL)
	}
	// Output:
	// trusted: DC/OS Root CA example from true
	// refused: false true Corp Root CA
}
