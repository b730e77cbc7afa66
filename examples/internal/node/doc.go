// Package node is the command line and the composition shared by proxykit's
// example programs (dcos-node, docker-host).
//
// Reach first for [Program]: give it a name, a usage text, the program's own
// flags and a Build function, and [Program.Run] gives the program the common
// flags ([Options]: -root, -proxy, -https-proxy, -no-proxy, -ca, -ca-alias,
// -storepass, -bundle, -no-actions, -json, and the proxy password from
// $PROXYKIT_PROXY_PASSWORD or -proxy-password-file), the subcommands plan
// (the default), apply, undo and verify, the exit codes ([ExitOK],
// [ExitError], [ExitPending]), "NAME: error: …" on stderr, and the report as
// text or JSON ([Report]), and with plan -format cloud-config a #cloud-config
// document for a node's first boot ([FormatCloudConfig]).
//
// Build receives a [Node]: the resolved settings ([Config]), a read-only view
// of the root that follows absolute symbolic links inside it
// ([Node.ReadFile], [Node.Glob]), and the [plan.Plan] it fills with steps,
// actions ([Node.DaemonReload], [Node.Restart]), notes and warnings. The
// engine in examples/internal/plan then diffs, applies and undoes that plan;
// actions run only when a file they depend on changed, in the order stores
// rebuilt, daemon-reload, restarts, and only on the root "/" (elsewhere they
// are listed as skipped) unless the Program has a Runner of its own.
// [AddCA] plans the proxy's CA into every trust store [truststore.Changes]
// finds under the root, with [CAOptions] for extra bundles and the restarts
// that must follow a change of trust; what it decides itself is only the
// command line's part: -ca-alias SOURCE=NAME, a store in a read-only
// directory, and how each store left is told. The checks behind the flags
// are the packages': -allow-leaf and -allow-expired are
// [truststore.AnchorOptions], -skip is [truststore.ChangeOptions].Skip,
// -no-proxy and -bypass-all go through [proxyenv.FromValues], and verify
// -probe through [probe.ParseTarget] and [probe.All].
//
// [Materialize] writes an embedded sample node to a directory (with the
// links, empty directories and keystores embed cannot hold), and [Demo] runs
// plan, apply, plan again and undo on it: the programs' no-argument mode.
package node
