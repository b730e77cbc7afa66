// Package dcosnode is the program dcos-node, which puts a DC/OS node behind a proxy — often a
// TLS-intercepting one — in one reviewable, repeatable, reversible step:
// yum, the Docker daemon, /etc/environment, DC/OS's proxy.env, every DC/OS
// Java service and every trust store on the node.
//
//	go run ./examples/dcos-node [flags] [plan|apply|undo|verify]
//
// plan (the default) prints a diff of every file it would change, secrets
// masked, and exits 2 when something is pending; apply writes the files
// atomically and runs the follow-up commands (update-ca-trust, systemctl
// daemon-reload, restarts) only when what they depend on changed; undo puts
// back every byte; verify reports drift without writing. With no arguments
// at all it runs a demo on a built-in sample node.
//
// Run it with -h for the flags and a worked example.
package dcosnode

import (
	"flag"
	"io"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

const synopsis = `Configures a DC/OS node to work behind a proxy: yum and dnf, the Docker
daemon's drop-in, /etc/environment and /opt/mesosphere/etc/proxy.env (both
cases), a drop-in for every DC/OS Java service (Cosmos, Metronome, ...) with the
Java proxy properties in JAVA_TOOL_OPTIONS, which keeps working when a DC/OS
upgrade changes the service's command line (ExecStart= is replaced instead only
where the command line sets a proxy property of its own, whose -D would win),
and the proxy's CA in the system store, every Java
keystore and the Python bundles under /opt/mesosphere/packages. With no
arguments at all it runs a demo on a built-in sample node.

The cluster's own CA (DC/OS serves it at https://MASTER/ca/dcos-ca.crt) comes
with -ca-url, the intercepting proxy's with -ca-from-proxy HOST: either is
fetched over a connection nothing can verify yet, so it is refused unless its
SHA-256 fingerprint matches -fingerprint; the fingerprint is always printed.
The cluster's CA is named by its subject in the stores, the proxy's by
-ca-alias NAME (default corporate_proxy), so each can be removed apart; any one
CA gets a name of its own with -ca-alias SOURCE=NAME (repeatable), SOURCE being
its -ca FILE, -ca-url URL or -ca-from-proxy HOST as given, or its fingerprint.

The proxy password is read from $PROXYKIT_PROXY_PASSWORD or from
-proxy-password-file, never needed on the command line.`

const example = `  # see what would change on this node (exit status 2: changes pending)
  export PROXYKIT_PROXY_PASSWORD='…'
  dcos-node -proxy http://svc-dcos@proxy.corp.example:3128 \
      -no-proxy .corp.example,10.0.0.0/8 -ca /root/corp-proxy-ca.pem plan
  # apply it, then check nothing drifted; take it all back with undo
  dcos-node -proxy http://svc-dcos@proxy.corp.example:3128 \
      -no-proxy .corp.example,10.0.0.0/8 -ca /root/corp-proxy-ca.pem apply
  dcos-node -proxy http://svc-dcos@proxy.corp.example:3128 \
      -no-proxy .corp.example,10.0.0.0/8 -ca /root/corp-proxy-ca.pem verify
  dcos-node undo`

// run is the program with its arguments and output injected.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return demo(stdout, stderr)
	}
	return program(node.Env{}).Run(args, stdout, stderr)
}

// program returns dcos-node as a [node.Program].
func program(env node.Env) *node.Program {
	o := new(options)
	return &node.Program{
		Name:       "dcos-node",
		Source:     "./examples/dcos-node",
		Synopsis:   synopsis,
		Example:    example,
		Flags:      o.register,
		Build:      o.build,
		Env:        env,
		Sample:     writeSample,
		SampleArgs: "-proxy " + demoProxy + " -ca {}/root/corporate-proxy-ca.pem",
		// verify -probe: the Java services are found in
		// /etc/systemd/system, where DC/OS links its units.
		Consumers: probe.Discovery{Stores: truststore.Discovery{BundleRoots: truststore.DCOSBundleRoots()}},
	}
}

// options are dcos-node's own flags.
type options struct {
	noDCOSBypass bool           // -no-dcos-bypass
	fixDCOSEnv   bool           // -fix-mesosphere-environment
	ca           node.CASources // -ca-url, -ca-from-proxy, -fingerprint, -fetch-timeout
}

func (o *options) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.noDCOSBypass, "no-dcos-bypass", false, "do not merge DC/OS's own bypass entries ("+proxyenv.DCOSBypassList+") into -no-proxy")
	fs.BoolVar(&o.fixDCOSEnv, "fix-mesosphere-environment", false, "remove proxy variables from /opt/mesosphere/environment and environment.export, where they break the DC/OS UI and CLI")
	o.ca.Register(fs)
}
