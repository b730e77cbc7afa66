package redact

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// findKeysCases are keys at the edges of findKeys' windows.
var findKeysCases = []string{
	"proxy_password=hunter2\n",
	"proxy_password = pa ss;wo#rd\nPROXY_PASSWORD='s3cr3t'\n",
	"pa\u017f\u017fword=x to\u212aen: y \u017fecret=z \u212aeypass=w\n", // folds into s and k
	"password\" = x\npassword' :y\n\"password\": \"z\"\n",
	"a=b:c=password==:=token:\t\t:secret=\n",
	"paſſword=x toKen: y ſecret=z Kеypass=w\n", // folds into s and k
	"é-password=x ſ=y \xffpassword=z \xc5password=w\n",
	`{"auths":{"r":{"auth":"QWxhZGRpbjpvcGVu","identitytoken" : "x", "registryToken":"y"}}}`,
	`{"AUTH":"a"} "auth":"b" x"auth": c "auth"="d"`,
	"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUC7Hn9jmd+/JIlU8Q4WMTTvc=\n-----END CERTIFICATE-----\n",
	"ExecStart=/bin/java -Djavax.net.ssl.trustStorePassword=st0repw -Dx.keypass:kp -jar x.jar\n",
	"=password:\n:=\n==\n::",
	"",
}

// TestFindKeysIsFindAll: over the windows around each '=' and ':',
// keyValue and jsonKeyValue match what they match over the whole content,
// on the edges of the windows and on the files a plan reads.
func TestFindKeysIsFindAll(t *testing.T) {
	cases := slices.Clone(findKeysCases)
	for _, p := range []string{"../../truststore/testdata/bundle/06-certifi.pem", "../../truststore/testdata/keystore/debian-cacerts.jks", "../../truststore/testdata/keystore/jdk-cacerts.p12"} {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		for _, re := range []*regexp.Regexp{keyValue, jsonKeyValue} {
			require.Equal(t, re.FindAllStringIndex(s, -1), findKeys(re, s), "%s over %q", re, s)
		}
	}
}

// FuzzFindKeys: findKeys finds what the regular expression finds over the
// whole content, whatever the content.
func FuzzFindKeys(f *testing.F) {
	for _, s := range findKeysCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, re := range []*regexp.Regexp{keyValue, jsonKeyValue} {
			if want, got := re.FindAllStringIndex(s, -1), findKeys(re, s); !slices.EqualFunc(want, got, slices.Equal) {
				t.Fatalf("%s over %q: findKeys %v, FindAll %v", re, s, got, want)
			}
		}
	})
}
