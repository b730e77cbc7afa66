package dockerhost

import (
	"io"

	"github.com/proxykit/proxykit/examples/internal/node"
)

// Run runs docker-host with the command-line arguments args (without the
// program name) and returns its exit status: the program's main.
func Run(args []string, stdout, stderr io.Writer) int { return run(args, stdout, stderr) }

// Program returns docker-host as a [node.Program], with env for its
// environment and files: another front end (the Ansible module) runs it with
// arguments of its own.
func Program(env node.Env) *node.Program { return program(env) }

// WriteSample writes the sample root name, "host" (a Debian 12 Docker host)
// or "image" (an unpacked Debian image), into dir.
func WriteSample(dir, name string) error { return writeSample(dir, name) }
