package dcosnode

import (
	"io"

	"github.com/proxykit/proxykit/examples/internal/node"
)

// Run runs dcos-node with the command-line arguments args (without the
// program name) and returns its exit status: the program's main.
func Run(args []string, stdout, stderr io.Writer) int { return run(args, stdout, stderr) }

// Program returns dcos-node as a [node.Program], with env for its
// environment and files: another front end (the Ansible module) runs it with
// arguments of its own.
func Program(env node.Env) *node.Program { return program(env) }

// WriteSample writes the sample DC/OS master the demo and the tests use
// into dir, which must exist.
func WriteSample(dir string) error { return writeSample(dir) }
