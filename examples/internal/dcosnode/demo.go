package dcosnode

import (
	"embed"
	"io"

	"github.com/proxykit/proxykit/examples/internal/node"
)

// sample is a DC/OS 2.2 master on CentOS 7, the demo's node and the end-to-end
// tests' fixture. setup.txt adds what embed cannot hold: symbolic links,
// empty directories and Java keystores.
//
//go:embed all:sample
var sample embed.FS

// The demo's proxy. The password holds characters that each file format
// encodes differently, to show that none of them reaches the output.
const (
	demoProxy    = "http://svc-dcos@proxy.example.com:3128"
	demoPassword = "s3cr%t@P4ss w0rd!"
	demoNoProxy  = ".corp.example,10.0.0.0/8,registry.corp.example:5000"
)

// writeSample materializes the sample node into dir.
func writeSample(dir string) error {
	return node.Materialize(dir, sample, "sample/node", "sample/setup.txt")
}

// demo runs plan, apply, plan again and undo on a copy of the sample node.
func demo(stdout, stderr io.Writer) int {
	d := &node.Demo{
		Program:  program(node.Env{}),
		Password: demoPassword,
		Args:     []string{"-root", node.SampleDir, "-proxy", demoProxy, "-no-proxy", demoNoProxy, "-ca", node.SampleDir + "/root/corporate-proxy-ca.pem"},
		Intro: `dcos-node demo: a sample DC/OS master (CentOS 7) copied to ` + node.SampleDir + `,
behind proxy.example.com:3128, which intercepts TLS with its own CA and wants
the user svc-dcos with a password, given in $` + node.EnvProxyPassword + `, never on the
command line. The password never shows: every output masks it as xxxxx.`,
	}
	return d.Run(stdout, stderr)
}
