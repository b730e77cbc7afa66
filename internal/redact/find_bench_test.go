package redact_test

import (
	"os"
	"testing"

	"github.com/proxykit/proxykit/internal/redact"
)

// BenchmarkFind reads what a plan's files hold: a certifi bundle (base64
// lines, "# Label:" comments), a Java keystore (binary), a unit and an
// environment file with credentials.
func BenchmarkFind(b *testing.B) {
	var contents [][]byte
	for _, p := range []string{"../../truststore/testdata/bundle/06-certifi.pem", "../../truststore/testdata/keystore/debian-cacerts.jks"} {
		c, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		contents = append(contents, c)
	}
	contents = append(contents,
		[]byte("[Service]\nEnvironment=\"HTTP_PROXY=http://svc:s3cr3t@proxy.example.com:3128\" \"NO_PROXY=.corp\"\nExecStart=/opt/java/bin/java -Djavax.net.ssl.trustStorePassword=changeit -jar x.jar\n"),
		[]byte("http_proxy=http://svc:s3cr3t@proxy.example.com:3128\nPROXY_PASSWORD='s3cr3t'\n"))
	n := 0
	for _, c := range contents {
		n += len(c)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range contents {
			redact.Find(c)
		}
	}
}
