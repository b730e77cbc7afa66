package probe_test

import (
	"fmt"

	"github.com/proxykit/proxykit/probe"
)

// A URL to probe names a host; credentials in it are refused, since each
// consumer sends its own, and the error masks them.
func ExampleParseTarget() {
	for _, s := range []string{"https://registry-1.docker.io/", "ftp://mirror.example/", "https://svc:s3cret@repo.example/"} {
		u, err := probe.ParseTarget(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println("probe", u)
	}
	// Output:
	// probe https://registry-1.docker.io/
	// probe target "ftp://mirror.example/": want an https:// or http:// URL with a host
	// probe target "https://svc:xxxxx@repo.example/": no credentials in the URL; each consumer's own are used
}
