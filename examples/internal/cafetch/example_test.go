package cafetch_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/proxykit/proxykit/examples/internal/cafetch"
	"github.com/proxykit/proxykit/examples/internal/cafetch/cafetchtest"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

func ExampleFromURL() {
	ca := cafetchtest.NewCA("DC/OS Root CA example")
	cluster := cafetchtest.StartCluster(ca, nil) // on 127.0.0.1
	defer cluster.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Without a fingerprint the CA is refused, and its fingerprint shown.
	_, err := cafetch.FromURL(ctx, cluster.URL, truststore.Fingerprint{})
	var me *cafetch.MismatchError
	if errors.As(err, &me) {
		fmt.Println("compare:", me.Got[0])
	}

	// With the fingerprint the user compared, it is returned.
	want, _ := truststore.ParseFingerprint(me.Got[0].String())
	cert, err := cafetch.FromURL(ctx, cluster.URL, want)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("trusted:", cert.Label())
	// Output:
	// compare: AF:0C:23:21:5A:A9:AB:4C:24:26:13:4B:E0:D3:8D:F4:78:9C:2E:09:B7:07:EF:F1:E8:B1:D6:9E:11:41:82:29
	// trusted: DC/OS Root CA example
}

func ExampleFromProxy() {
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

	o, err := cafetch.FromProxy(ctx, proxy, "registry-1.docker.io", cafetch.WithRoots(x509.NewCertPool()))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range o.Chain {
		fmt.Println("presented:", c.Subject.CommonName)
	}
	fmt.Println("offered:", o.CA.Label(), o.SelfSigned)
	fmt.Println("fingerprint:", o.CA.Fingerprint())
	// Output:
	// presented: registry-1.docker.io
	// presented: Corp Issuing CA
	// presented: Corp Root CA
	// offered: Corp Root CA true
	// fingerprint: 1A:A0:A5:CA:3A:77:F6:00:B5:E1:01:B2:80:B9:9F:96:97:DB:2A:96:25:78:1B:05:53:13:FF:89:D7:1C:22:D2
}
