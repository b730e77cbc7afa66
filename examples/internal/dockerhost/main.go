// Package dockerhost is the program docker-host, which puts a Docker host, and the images built on it, behind
// a proxy — often a TLS-intercepting one — in one reviewable, repeatable,
// reversible step: the Docker daemon's proxy (a systemd drop-in, or
// daemon.json for Docker 23+), the Docker client's config.json of given users
// (merged: registry logins kept), the proxy's CA in the system store and in
// /etc/docker/certs.d/<registry>/ca.crt, and conda's proxy_servers and CA
// bundles.
//
//	go run ./examples/docker-host [flags] [plan|apply|undo|verify]
//	go run ./examples/docker-host dockerfile [flags]
//
// plan (the default) prints a diff of every file it would change, secrets
// masked, and exits 2 when something is pending; apply writes the files
// atomically, then reloads systemd and restarts Docker only when the
// daemon's configuration changed; undo puts back every byte; verify reports
// drift and reads docker.service with its drop-ins as systemd does. With
// -image the root is an unpacked image or container file system: no daemon,
// no Docker engine needed. dockerfile prints what a Dockerfile needs instead.
// With no arguments at all it runs a demo on a built-in sample host.
//
// The CA comes from a file (-ca), from a cluster that serves its own
// (-ca-url, checked against -fingerprint), or from the proxy itself
// (-ca-from-proxy HOST, also checked against -fingerprint).
//
// Run it with -h for the flags and a worked example.
package dockerhost

import (
	"flag"
	"io"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

const name = "docker-host"

const synopsis = `Configures a Docker host behind a proxy: the daemon's proxy as a systemd
drop-in (docker.service.d/http-proxy.conf), or in /etc/docker/daemon.json with
-daemon-json (Docker 23+; never both; with -daemon-env-file the values go to
a root-only /etc/docker/proxy.env instead), the client's ~/.docker/config.json of
each -user (merged: logins kept), the proxy's CA in the system store and, for
each -registry, in /etc/docker/certs.d/REGISTRY/ca.crt, and conda's
proxy_servers and CA bundles. Docker is restarted only when its configuration
changed. With -image, the root is an unpacked image or container file system:
apt's proxy, the CA and conda, no daemon. With -compose FILE, the services
of a docker-compose project (-service, by default Anaconda Server's repo_api
and repo_worker) get the proxy as ${…} references, its values going to the
project's .env (0600), then docker-compose up -d recreates them; with a CA,
a docker-compose.override.yml mounts a bundle holding it read-only over
/conda/ssl/cacert.pem and the system bundle, so that a container recreated
later trusts it with nothing run at its start. With no arguments at all it
runs a demo on a built-in sample host.

  docker-host dockerfile [flags]   prints the Dockerfile lines and the
                                   docker build arguments an image build needs

The CA can come from a cluster (-ca-url https://CLUSTER, DC/OS serves it at
/ca/dcos-ca.crt) or from the proxy itself (-ca-from-proxy HOST): either is
fetched over a connection nothing can verify yet, so it is refused unless its
SHA-256 fingerprint matches -fingerprint; the fingerprint is always printed.

The proxy password is read from $PROXYKIT_PROXY_PASSWORD or from
-proxy-password-file, and that of the -conda-proxy URLs from
$PROXYKIT_CONDA_PROXY_PASSWORD: neither is needed on the command line.`

const example = `  # find the intercepting proxy's CA and compare its fingerprint
  export PROXYKIT_PROXY_PASSWORD='…'
  docker-host -proxy http://svc@proxy.corp.example:3128 -ca-from-proxy registry-1.docker.io plan
  # then plan and apply with it, for root and alice, and a private registry
  docker-host -proxy http://svc@proxy.corp.example:3128 -no-proxy .corp.example \
      -ca-from-proxy registry-1.docker.io -fingerprint 'AB:CD:…' \
      -user root -user alice -registry registry.corp.example:5000 apply
  # an image build: the Dockerfile lines and the build arguments
  docker-host dockerfile -proxy http://proxy.corp.example:3128 -ca /root/corp-ca.pem`

// run is the program with its arguments and output injected.
func run(args []string, stdout, stderr io.Writer) int {
	return runEnv(node.Env{}, args, stdout, stderr)
}

func runEnv(env node.Env, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return demo(stdout, stderr)
	}
	if args[0] == cmdDockerfile {
		return runDockerfile(env, args[1:], stdout, stderr)
	}
	return program(env).Run(args, stdout, stderr)
}

// program returns docker-host as a [node.Program].
func program(env node.Env) *node.Program {
	o := &options{env: env}
	return &node.Program{
		Name:       name,
		Source:     "./examples/docker-host",
		Synopsis:   synopsis,
		Example:    example,
		Flags:      o.register,
		Build:      o.build,
		Env:        env,
		Sample:     func(dir string) error { return writeSample(dir, "host") },
		SampleArgs: "-proxy " + demoProxy + " -ca {}/root/corp-proxy-ca.pem -user alice",
		Consumers: probe.Discovery{
			Stores: truststore.Discovery{Bundles: probeBundles()},
		},
	}
}

// probeBundles are the PEM bundles verify -probe checks besides the stores
// discovery finds: conda's and certifi's.
func probeBundles() []string {
	return append(truststore.CondaBundleGlobs(), truststore.DefaultBundleGlobs()...)
}

// options are docker-host's own flags.
type options struct {
	daemonJSON   bool     // -daemon-json
	envFile      bool     // -daemon-env-file
	image        bool     // -image
	users        []string // -user, repeatable
	registries   []string // -registry, repeatable
	condaProxies []string // -conda-proxy MIRROR=URL, repeatable
	compose      string   // -compose FILE
	servers      []string // -server-mirror 'CHANNEL/NAME SOURCE PROXY', repeatable
	mirrorFiles  []string // -mirror-password-file ID=FILE, repeatable
	serverList   []proxyenv.ServerMirror
	services     []string       // -service NAME, repeatable
	ca           node.CASources // -ca-url, -ca-from-proxy, -fingerprint, -fetch-timeout
	env          node.Env       // for the conda mirror proxies' password
}

// EnvCondaProxyPassword names the environment variable that carries the
// password of the -conda-proxy URLs that name a user but no password.
const EnvCondaProxyPassword = proxyenv.CondaMirrorPasswordVar

func (o *options) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.daemonJSON, "daemon-json", false, "put the daemon's proxy in /etc/docker/daemon.json (Docker 23+) instead of a systemd drop-in; the other place is cleaned")
	fs.BoolVar(&o.envFile, "daemon-env-file", false, "keep the daemon's proxy in root-only /etc/docker/proxy.env, named by the drop-in's EnvironmentFile=, instead of Environment= lines, which \"systemctl show\" prints to every user")
	fs.BoolVar(&o.image, "image", false, "the root is an unpacked image or container file system: apt's proxy, the CA and conda; no daemon, no client")
	fs.Func("user", "a `USER` whose ~/.docker/config.json gets the proxies (logins kept); repeatable", node.AppendTo(&o.users))
	fs.Func("registry", "a registry `HOST[:PORT]` whose /etc/docker/certs.d/HOST[:PORT]/ca.crt gets the CA; repeatable", node.AppendTo(&o.registries))
	fs.Func("conda-proxy", "conda reaches MIRROR (https://host, or host for any scheme) through its own proxy URL, which may carry its own user (password from $"+EnvCondaProxyPassword+"): `MIRROR=URL`; repeatable", node.AppendTo(&o.condaProxies))
	fs.StringVar(&o.compose, "compose", "", "a docker-compose `FILE` (e.g. Anaconda Server's) whose services get the proxy as ${…} references, the values going to the project's .env (0600); then docker-compose up -d of each")
	fs.Func("service", "a service of the -compose file that gets the proxy (default repo_api and repo_worker): `NAME`; repeatable", node.AppendTo(&o.services))
	fs.Func("server-mirror", "an Anaconda Server mirror with a proxy of its own, `'CHANNEL/NAME SOURCE-URL PROXY-URL'` (the proxy may name a user; its password comes from $PROXYKIT_MIRROR_PASSWORD_CHANNEL_NAME or -mirror-password-file): a root-only script and REST bodies that create it go next to the -compose file, and conda's proxy_servers reach its source through it; repeatable", node.AppendTo(&o.servers))
	fs.Func("mirror-password-file", "the file holding the password of a mirror's own proxy, for a -server-mirror CHANNEL/NAME or a -conda-proxy MIRROR: `ID=FILE`; repeatable", node.AppendTo(&o.mirrorFiles))
	o.ca.Register(fs)
}
