package redact_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/redact"
)

func TestMaskUserinfoHidesEveryURLPassword(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"plain", "http_proxy=http://bob:hunter2@old.corp:3128\n", "http_proxy=http://bob:xxxxx@old.corp:3128\n"},
		{"raw @ and / in the password", "x=http://bob:p@ss/w@proxy:3128/", "x=http://bob:xxxxx@proxy:3128/"},
		{"two on a line", `"A=http://a:b1@h" "B=https://c:d2@h"`, `"A=http://a:xxxxx@h" "B=https://c:xxxxx@h"`},
		{"apt", `Acquire::http::Proxy "http://u:s3cr%40t@proxy/";`, `Acquire::http::Proxy "http://u:xxxxx@proxy/";`},
		{"no password", "http://user@proxy:3128 and http://proxy:3128", "http://user@proxy:3128 and http://proxy:3128"},
		{"not a scheme", "://a:b@c", "://a:b@c"},
		{"port only", "http://proxy:3128/x", "http://proxy:3128/x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, redact.MaskUserinfo(c.in))
		})
	}
}

func TestFindReportsTheCredentialsAFileHolds(t *testing.T) {
	auth := base64.StdEncoding.EncodeToString([]byte("alice:reg1stry pass"))
	for _, c := range []struct {
		name, content string
		want          []string
	}{
		{"yum proxy_password", "[main]\nproxy=http://proxy:3128\nproxy_username=bob\nproxy_password = pa ss;wo#rd\n", []string{"pa ss;wo#rd"}},
		{"dnf without blanks", "[main]\nproxy_password=hunter22\n", []string{"hunter22"}},
		{"URL userinfo, percent-encoded", "http_proxy=http://bob:p%40ss%25x@proxy:3128\n", []string{"p%40ss%25x", "p@ss%x"}},
		{"systemd doubled percent", `Environment="HTTP_PROXY=http://bob:p%%40ss@proxy"`, []string{"p%%40ss", "p%40ss", "p@ss"}},
		{"Java keystore password in a command line", "ExecStart=/bin/java -Djavax.net.ssl.trustStorePassword=st0repw -jar x.jar\n", []string{"st0repw"}},
		{"Environment= with a password variable", `Environment="PROXY_PASSWORD=abc def" "OTHER=1"`, []string{"abc def"}},
		{"env file, quoted", "export PROXY_PASSWORD='s3cr3t'\n", []string{"s3cr3t"}},
		{"docker config.json", `{"auths":{"reg.corp":{"auth":"` + auth + `","identitytoken":"idt0k"}},"credHelpers":{}}`, []string{auth, "alice:reg1stry pass", "reg1stry pass", "idt0k"}},
		{"config.json that does not parse", `{"auths":{"r":{"auth":"QWxhZGRpbjpvcGVu"}}` + "\n# x", []string{"QWxhZGRpbjpvcGVu"}},
		{"JSON password key as text", `{"password": "js0nPw"` + "\n", []string{"js0nPw"}},
		{"registrytoken", `{"auths":{"r":{"registrytoken":"rt0k3n"}}}`, []string{"rt0k3n"}},
		{"condarc proxy_servers", "proxy_servers:\n  http: http://u:c0nda@proxy:3128\n", []string{"c0nda"}},
		{"words that are no secret", "Secret=true\nTOKEN=no\n", nil},
		{"nothing", "PATH=/usr/bin\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := redact.Find([]byte(c.content))
			for _, w := range c.want {
				assert.Contains(t, got, w)
			}
			if c.want == nil {
				assert.Empty(t, got)
			}
			masked := redact.New(got...).Mask(c.content)
			for _, w := range c.want {
				assert.NotContains(t, masked, w)
			}
		})
	}
}

// The marker is never itself taken for a secret, nor is an empty value.
func TestNewIgnoresEmptyAndTheMarker(t *testing.T) {
	m := redact.New("", redact.Marker)
	assert.Equal(t, "a xxxxx b", m.Mask("a xxxxx b"))
}

func TestFormsHoldBase64(t *testing.T) {
	forms := redact.Forms("alice:pw")
	assert.Contains(t, forms, base64.StdEncoding.EncodeToString([]byte("alice:pw")))
}

// FuzzMask: a secret written in any of the encodings consumers use is
// masked out of a text, whatever its characters.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"s3cret", `p@ss:w%rd/'"$x\ ü&<`, "a b+c", "ünïcødé", "100%", "tab\there"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		if len(secret) < 4 || strings.ContainsAny(secret, "\n\r=") {
			t.Skip()
		}
		u := &url.URL{Scheme: "http", User: url.UserPassword("u", secret), Host: "proxy:3128"}
		userinfo := strings.TrimSuffix(strings.TrimPrefix(u.String(), "http://u:"), "@proxy:3128")
		js, _ := json.Marshal(secret)
		q := strconv.Quote(secret)
		forms := []string{
			secret,
			userinfo,
			strings.ReplaceAll(userinfo, "%", "%%"),
			url.QueryEscape(secret),
			url.PathEscape(secret),
			string(js[1 : len(js)-1]),
			strings.ReplaceAll(secret, "'", `'\''`),
			strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(secret),
			q[1 : len(q)-1],
		}
		var in, want strings.Builder
		for i, form := range forms {
			in.WriteString("k" + strconv.Itoa(i) + "=" + form + "\n")
			want.WriteString("k" + strconv.Itoa(i) + "=" + redact.Marker + "\n")
		}
		if got := redact.New(secret).Mask(in.String()); got != want.String() {
			t.Fatalf("secret %q:\n got %q\nwant %q", secret, got, want.String())
		}
	})
}

// FuzzFind: whatever a file holds, every value Find reports is masked out
// of it by a Masker built from them, and Find never fails.
func FuzzFind(f *testing.F) {
	f.Add("proxy_password=hunter2\n")
	f.Add(`{"auths":{"x":{"auth":"YTpi"}}}`)
	f.Add("http://a:b%40c@h")
	f.Fuzz(func(t *testing.T, content string) {
		found := redact.Find([]byte(content))
		if len(found) > 16 {
			t.Skip() // each value costs milliseconds of masker; keep the fuzzer fast
		}
		masked := redact.New(found...).Mask(content)
		for _, v := range found {
			if strings.Contains(masked, v) && !strings.Contains(redact.Marker, v) {
				// A value may reappear only where masking another
				// produced it; the marker holds no letters but x.
				require.Failf(t, "found value left", "%q in %q", v, masked)
			}
		}
	})
}
