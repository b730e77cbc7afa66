// Package jvmflags places Java system properties (-D flags) in a JVM command
// line and in JAVA_TOOL_OPTIONS, so that a Java service uses a proxy and a
// trust store. The JDK ignores http_proxy and no_proxy; it reads
// http.proxyHost, https.proxyHost, their ports and http.nonProxyHosts.
//
// Reach first for:
//
//   - [Services]: the Java services of a node (systemd units found by name
//     or pattern whose ExecStart= runs java, and known ones started by a
//     script), each with the drop-in that gives it the properties and what
//     would hide that drop-in; the services left, each with the reason.
//   - [ProxyServices]: [Services] for proxy settings — the properties
//     ([ProxyProperties], and [AllowTunnelingSchemes] with credentials) and
//     each service's drop-in, with what each keeps of its own
//     ([ServiceChange.Notes]) and what may hide it ([ServiceChange.Warnings]);
//     [DCOSServiceOptions] finds DC/OS's Java services.
//   - [JavaHomes]: the JAVA_HOMEs a node sets in its environment files
//     ([JavaHomeFiles]) and units, for truststore's discovery of JDKs.
//   - [ProxyProperties]: the proxy properties for a [proxyenv.Settings], with
//     explicit ports (https.proxyPort defaults to 443, not to the http port),
//     http.nonProxyHosts for both schemes (there is no https.nonProxyHosts),
//     the no-proxy entries Java cannot express, and a warning instead of
//     credentials (the JDK has no property for them).
//   - [AllowTunnelingSchemes]: the empty jdk.http.auth.tunneling.disabledSchemes
//     that Basic proxy authentication for https:// URLs needs since 8u111,
//     kept where the service owner set it ([Property.Keep]).
//   - [Keystore]: the Java keystore a service's JVM reads its CAs from at
//     start (javax.net.ssl.trustStore, else its JRE's cacerts), to tell which
//     services a new CA reaches (see truststore's Change.Reaches).
//   - [TrustStoreProperties]: javax.net.ssl.trustStore and its type and
//     password, with the warning that it replaces the JDK's default CAs.
//   - [Patch]: sets and removes properties idempotently. [Patch.Apply] edits a
//     command line (argv), inserting before the terminal (main class, -jar,
//     -m) or a named option such as -classpath, and never touching the
//     application's arguments; [Patch.ApplyToolOptions] edits a
//     JAVA_TOOL_OPTIONS value; [Patch.DropIn] edits a systemd service's
//     ExecStart= through a drop-in (an empty ExecStart= resets the vendor's,
//     then the patched command), leaving the vendor's unit file alone.
//   - [ParseCommand]: a command line analysed as the java launcher reads it,
//     refusing a wrapper it cannot see into (sh -c, a start script, env, an
//     @argfile): set JAVA_TOOL_OPTIONS for those instead.
//   - [FormatToolOptions] and [ParseToolOptions]: JAVA_TOOL_OPTIONS quoting
//     as the JVM reads it (single or double quotes, no escapes).
//
// Precedence, for choosing where to write: the JVM reads JAVA_TOOL_OPTIONS
// first, then JDK_JAVA_OPTIONS (java launcher only), then the command line;
// for the same key the last -D wins. A property on the command line thus
// beats one in JAVA_TOOL_OPTIONS.
//
// Everything here is pure: values in, values out. The tests use the real JVM
// (and systemd-analyze) as the oracle for what a command line means.
package jvmflags
