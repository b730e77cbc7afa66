package plan

import (
	"bytes"
	"encoding/json"
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
