package truststore_test

import (
	"fmt"
	"testing/fstest"

	"github.com/proxykit/proxykit/truststore"
)

// Start a bundle of one's own, one to mount into containers, from the
// node's copy of the public roots, and add the proxy's CA to it.
func ExamplePublicRoots() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"opt/conda/conda-meta/history": {Data: []byte("# conda\n")},
		"opt/conda/ssl/cacert.pem":     {Data: []byte(oldBundle)},
	}
	p, seed, ok := truststore.PublicRoots(node)
	fmt.Println(p, ok)

	ca, _ := truststore.ParseCertificate([]byte(proxyCAPEM))
	out, err := truststore.SeededBundle(seed, ca)(nil) // nil: the bundle does not exist yet
	if err != nil {
		fmt.Println(err)
		return
	}
	entries, _ := truststore.ListBundle(out)
	for _, e := range entries {
		fmt.Printf("%s %q\n", e.Fingerprint.String()[:11], e.Label)
	}
	// Output:
	// opt/conda/ssl/cacert.pem true
	// CC:37:D7:82 "site CAs"
	// F8:62:78:90 "Corp Proxy CA"
}

// An existing bundle is kept as it is: SeededBundle only adds the CAs, and
// a second run changes nothing.
func ExampleSeededBundle() {
	ca, _ := truststore.ParseCertificate([]byte(proxyCAPEM))
	edit := truststore.SeededBundle([]byte(oldBundle), ca)

	mine := []byte("") // the file exists, empty: the seed is not copied into it
	out, _ := edit(mine)
	again, _ := edit(out)
	entries, _ := truststore.ListBundle(out)
	fmt.Println(len(entries), "entry; second run changes nothing:", string(again) == string(out))
	// Output:
	// 1 entry; second run changes nothing: true
}
