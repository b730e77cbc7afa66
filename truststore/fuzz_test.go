package truststore_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/proxykit/proxykit/truststore"
)

// Seeds live in testdata/fuzz/<target>/. Run by hand, for example:
//
//	go test ./truststore -run '^$' -fuzz FuzzBundle -fuzztime 20s

// FuzzBundle reads arbitrary bytes as a PEM bundle. Where they read, adding a
// CA must give the old certificates plus one, be idempotent, and removing it
// must give the old certificates back.
func FuzzBundle(f *testing.F) {
	proxy := testCA(f, "Corp Proxy CA")
	f.Fuzz(func(t *testing.T, in []byte) {
		entries, err := truststore.ListBundle(in)
		if err != nil {
			return
		}
		out, err := truststore.AddToBundle(proxy)(in)
		if err != nil {
			t.Fatalf("add to a readable bundle: %v", err)
		}
		again, err := truststore.AddToBundle(proxy)(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("add is not idempotent: %v", err)
		}
		back, err := truststore.RemoveFromBundle(proxy.Fingerprint())(out)
		if err != nil {
			t.Fatalf("remove: %v", err)
		}
		var want, got []truststore.Fingerprint
		for _, e := range entries {
			if e.Fingerprint != proxy.Fingerprint() {
				want = append(want, e.Fingerprint)
			}
		}
		after, err := truststore.ListBundle(back)
		if err != nil {
			t.Fatalf("list after remove: %v", err)
		}
		for _, e := range after {
			got = append(got, e.Fingerprint)
		}
		if !slices.Equal(want, got) {
			t.Fatalf("remove left %d certificates, want %d", len(got), len(want))
		}
	})
}

// FuzzDetectKeystore tells the format of arbitrary bytes; whatever it says,
// listing must not panic, and an editable format must list.
func FuzzDetectKeystore(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		format := truststore.DetectKeystore(in)
		_, got, err := truststore.ListKeystore(in)
		if got != format {
			t.Fatalf("ListKeystore says %s, DetectKeystore %s", got, format)
		}
		if format == truststore.FormatPKCS12 && err != nil {
			t.Fatalf("detected PKCS12 does not list: %v", err)
		}
	})
}

// FuzzPKCS12 edits arbitrary bytes as a password-less PKCS#12: where they
// read as one, adding a CA keeps every entry and adds one, and removing it
// gives the entries back.
func FuzzPKCS12(f *testing.F) {
	proxy := testCA(f, "Corp Proxy CA")
	f.Fuzz(func(t *testing.T, in []byte) {
		if truststore.DetectKeystore(in) != truststore.FormatPKCS12 {
			return
		}
		before, _, err := truststore.ListKeystore(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := truststore.AddToKeystore(proxy, "fuzz-proxy-ca")(in)
		if err != nil {
			return // alias taken, unparseable certificate bags, …
		}
		after, _, err := truststore.ListKeystore(out)
		if err != nil {
			t.Fatalf("list after add: %v", err)
		}
		if !bytes.Equal(out, in) && len(after) != len(before)+1 {
			t.Fatalf("%d entries after add, want %d", len(after), len(before)+1)
		}
		back, err := truststore.RemoveFromKeystore(proxy.Fingerprint())(out)
		if err != nil {
			t.Fatalf("remove: %v", err)
		}
		if _, _, err := truststore.ListKeystore(back); err != nil {
			t.Fatalf("list after remove: %v", err)
		}
	})
}
