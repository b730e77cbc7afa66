package dockerhost

import (
	"embed"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
)

// sample holds the demo's roots, which are also the end-to-end tests'
// fixtures: host, a Debian 12 Docker host with conda and a user whose
// config.json holds registry logins, and image, an unpacked Debian image with
// conda. setup-NAME.txt adds what embed cannot hold (see [node.Materialize]).
//
//go:embed all:sample
var sample embed.FS

// The demo's proxy. The password holds characters that each file format
// encodes differently, to show that none of them reaches the output.
const (
	demoProxy    = "http://svc-docker@proxy.example.com:3128"
	demoPassword = "s3cr%t@P4ss w0rd!"
	demoNoProxy  = ".corp.example,10.0.0.0/8,registry.corp.example:5000"
	// demoCompose is the sample's Anaconda Server project.
	demoCompose = "/opt/anaconda/repo/docker-compose.yml"
)

// writeSample materializes the sample root name ("host" or "image") into
// dir, then gives its programs and client configs the modes they have on a
// real system, which embed does not keep.
func writeSample(dir, name string) error {
	if err := node.Materialize(dir, sample, "sample/"+name, "sample/setup-"+name+".txt"); err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		switch {
		case strings.HasPrefix(rel, "usr/bin/"), strings.HasPrefix(rel, "usr/sbin/"):
			return os.Chmod(p, 0o755)
		case strings.HasSuffix(rel, "/.docker/config.json"), strings.HasSuffix(rel, "/.env"):
			return os.Chmod(p, 0o600)
		}
		return nil
	})
}

// demo runs plan, apply and plan again on a copy of the sample host.
func demo(stdout, stderr io.Writer) int {
	d := &node.Demo{
		Program:  program(node.Env{}),
		Password: demoPassword,
		Args: []string{"-root", node.SampleDir, "-proxy", demoProxy, "-no-proxy", demoNoProxy, "-ca", node.SampleDir + "/root/corp-proxy-ca.pem",
			"-user", "alice", "-user", "root", "-registry", "registry.corp.example:5000",
			"-compose", demoCompose},
		Intro: `docker-host demo: a sample Debian 12 Docker host (with conda, and a user
alice whose ~/.docker/config.json holds registry logins, and an Anaconda
Server docker-compose project in /opt/anaconda/repo) copied to ` + node.SampleDir + `,
behind proxy.example.com:3128, which intercepts TLS with its own CA and wants
the user svc-docker with a password, given in $` + node.EnvProxyPassword + `, never on the
command line. The password never shows: every output masks it as xxxxx.`,
	}
	return d.Run(stdout, stderr)
}
