// Package dockerd plans the Docker daemon's proxy, and the CAs it trusts for
// private registries, on a node: it reads docker.service as systemd does
// ([systemdunit]) and returns edits that write the settings in Docker's
// formats ([proxyenv]).
//
// Reach first for:
//
//   - [Changes]: the files that give dockerd its proxy at a [Place] — a
//     drop-in of docker.service ([InDropIn]), a root-only environment file
//     it names ([InEnvFile]), or "proxies" in daemon.json ([InDaemonJSON],
//     Docker 23+) — with the other places cleaned, so that dockerd never
//     takes its proxy from two; what would still override it once written
//     ([Plan.Overrides]); and the conflicts dockerd would refuse to start
//     with ([ErrConflict]). [Plan.ProxyEnvironment] shows the proxy dockerd
//     gets once they are written, credentials redacted.
//   - [Environment]: the proxy environment dockerd gets today, from
//     docker.service as systemd passes it and daemon.json's "proxies"
//     (package probe checks it on the wire).
//   - [RegistryCAPath]: the certs.d bundle dockerd reads a registry's CAs
//     from.
//
// The Docker client's ~/.docker/config.json of each user, which gives the
// containers and builds their proxy, is found by [proxyenv.DockerClients]
// and edited by [proxyenv.Settings.DockerClientConfig]; an image build takes
// [proxyenv.Settings.DockerBuildArgs]. The CA of an intercepting proxy goes
// into the system store, which dockerd reads when it starts, with
// truststore.Changes.
//
// Everything here only reads the node's root (an [io/fs.FS]) and returns
// edits; writing them, then systemctl daemon-reload and a restart of
// docker.service, is the caller's.
package dockerd
