package main

import (
	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/proxyenv"
)

// planDocker writes the Docker daemon's proxy drop-in.
func planDocker(n *node.Node, s proxyenv.Settings) error { return nil }

// planJavaServices writes a drop-in for every DC/OS Java service.
func planJavaServices(n *node.Node, s proxyenv.Settings) error { return nil }

// warnDCOSServices warns about DC/OS services that read the proxy from the
// environment themselves.
func warnDCOSServices(n *node.Node) {}
