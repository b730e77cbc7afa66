package truststore_test

import (
	"fmt"
	"testing"

	"github.com/proxykit/proxykit/truststore"
)

// stores150 builds a 150-certificate bundle, JKS and PKCS#12, about the size
// of a distribution's cacerts.
func stores150(b *testing.B) (bundle, jks, p12 []byte) {
	b.Helper()
	for i := range 150 {
		ca := testCA(b, fmt.Sprintf("Bench Root CA %03d", i))
		var err error
		if bundle, err = truststore.AddToBundle(ca)(bundle); err != nil {
			b.Fatal(err)
		}
		if jks, err = truststore.AddToKeystore(ca, "")(jks); err != nil {
			b.Fatal(err)
		}
		if p12, err = truststore.AddToKeystore(ca, "", truststore.WithNewFormat(truststore.FormatPKCS12))(p12); err != nil {
			b.Fatal(err)
		}
	}
	return bundle, jks, p12
}

func benchmarkAdd(b *testing.B, store []byte, edit func([]byte) ([]byte, error)) {
	b.SetBytes(int64(len(store)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := edit(store); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAddOneCA(b *testing.B) {
	bundle, jks, p12 := stores150(b)
	proxy := testCA(b, "Corp Proxy CA")
	b.Run("JKS/150", func(b *testing.B) { benchmarkAdd(b, jks, truststore.AddToKeystore(proxy, "")) })
	b.Run("PKCS12/150", func(b *testing.B) { benchmarkAdd(b, p12, truststore.AddToKeystore(proxy, "")) })
	b.Run("bundle/150", func(b *testing.B) { benchmarkAdd(b, bundle, truststore.AddToBundle(proxy)) })
	// Already present: the common case on a second run.
	b.Run("JKS/150/present", func(b *testing.B) {
		in, _ := truststore.AddToKeystore(proxy, "")(jks)
		benchmarkAdd(b, in, truststore.AddToKeystore(proxy, ""))
	})
}
