package plan

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseManifest: the manifest parser never panics, never quotes the
// content in an error, and what it accepts encodes to a manifest it accepts
// and encodes the same way.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"version":1,"files":[{"path":"etc/environment","existed":true,"old":"TEFORz1DCg==","mode":420,"uid":0,"gid":0,"wrote":["ab"],"actions":["reload"]}],"dirs":["etc/x"],"own":["var"],"actions":[{"name":"reload","argv":["systemctl","daemon-reload"]}],"pending":["reload"]}`))
	f.Add([]byte(`{"version":1,"files":[]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"files":[{"path":"../etc/passwd","existed":false}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err != nil {
			if strings.Contains(err.Error(), "TEFORz1DCg") {
				t.Fatalf("error quotes the content: %v", err)
			}
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseManifest(b)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		b2, err := json.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the manifest:\n%s\n%s", b, b2)
		}
	})
}

// FuzzMask: a secret written in any of the encodings consumers use is
// masked out of a diff, whatever its characters.
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
			want.WriteString("k" + strconv.Itoa(i) + "=" + Redacted + "\n")
		}
		if got := newMasker([]string{secret}).mask(in.String()); got != want.String() {
			t.Fatalf("secret %q:\n got %q\nwant %q", secret, got, want.String())
		}
	})
}
