// Command dcos-node puts a DC/OS node behind a proxy — often a
// TLS-intercepting one — in one reviewable, repeatable, reversible step:
// yum, the Docker daemon, /etc/environment, DC/OS's proxy.env, every DC/OS
// Java service and every trust store on the node.
//
//	go run ./examples/dcos-node [flags] [plan|apply|undo|verify]
//
// The program lives in examples/internal/dcosnode, where the Ansible module
// (examples/ansible) finds it too. Run it with -h for the flags and a worked
// example.
package main

import (
	"os"

	"github.com/proxykit/proxykit/examples/internal/dcosnode"
)

func main() {
	os.Exit(dcosnode.Run(os.Args[1:], os.Stdout, os.Stderr))
}
