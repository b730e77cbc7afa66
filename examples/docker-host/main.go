// Command docker-host puts a Docker host, and the images built on it, behind
// a proxy — often a TLS-intercepting one — in one reviewable, repeatable,
// reversible step: the Docker daemon, the clients' config.json, the proxy's
// CA in the system store and for each registry, and conda.
//
//	go run ./examples/docker-host [flags] [plan|apply|undo|verify]
//	go run ./examples/docker-host dockerfile [flags]
//
// The program lives in examples/internal/dockerhost, where the Ansible
// module (examples/ansible) finds it too. Run it with -h for the flags and a
// worked example.
package main

import (
	"os"

	"github.com/proxykit/proxykit/examples/internal/dockerhost"
)

func main() {
	os.Exit(dockerhost.Run(os.Args[1:], os.Stdout, os.Stderr))
}
