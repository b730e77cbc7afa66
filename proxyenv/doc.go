// Package proxyenv models a node's proxy settings and what each HTTP client
// really does with them.
//
// Reach first for:
//
//   - [FromValues], to build [Settings] from values as a person gives them
//     (proxy, HTTPS proxy, no-proxy list, password), refusing a no-proxy
//     entry no client can match and an unconfirmed "*" ([EntryError]);
//     [Settings.ProxyFunc]
//     compiles the choice of proxy per request URL, as
//     golang.org/x/net/http/httpproxy does, for any [Client];
//   - [FromEnvironment], to read http_proxy, https_proxy, ftp_proxy and
//     no_proxy (both cases) into [Settings], with every [Conflict] between
//     the cases reported;
//   - [ParseProxy], for a proxy value as people write it; a [Proxy] keeps its
//     password in a [Secret] that never prints, and renders with an explicit
//     port;
//   - [ParseNoProxy] (the comma form of no_proxy) and [ParseJavaNonProxyHosts]
//     (Java's "|" form), for a typed, compiled [NoProxy] list whose
//     [NoProxy.Entries] say what each entry is ([Kind]) and why an entry no
//     client can match is invalid;
//   - [NoProxy.Bypass], to ask whether [Go], [Curl], [Java] or [Python] sends
//     a request for a URL directly rather than through the proxy;
//   - [NoProxy.Java], to convert a list to the -Dhttp.nonProxyHosts value that
//     makes Java decide as Go does, with a [Loss] for every entry Java cannot
//     carry exactly (widened, narrowed or dropped).
//
// [Settings.ProxyFor] picks Go's proxy for a URL, and
// [Settings.HasCredentials] says whether the files will hold a credential.
//
// # Consumer files
//
// Each file a proxy must be written into is an [Edit] built by a method of
// [Settings], which also returns a [Warning] for each loss the format had to
// accept, or an error (a *[FormatError] wrapping [ErrUnsafeValue] or
// [ErrMalformed]) when a value cannot be written safely in it:
//
//   - /etc/environment: [Settings.EtcEnvironment]
//   - /etc/profile.d/proxy.sh: [Settings.ProfileScript]
//   - DC/OS's /opt/mesosphere/etc/proxy.env ([DCOSProxyEnvPath]):
//     [Settings.DCOSProxyEnv], with DC/OS's own [DCOSBypassList];
//     [ReadDCOS] says which DC/OS a node runs, and [CheckDCOSEnvironment]
//     finds the proxy variables ([ProxyVariables]) a person put in DC/OS's
//     own environment, where they break the UI and the CLI, with the edit
//     that removes them; [Settings.DCOSFiles] gives /etc/environment and
//     proxy.env as [File] values, path, edit and mode together
//   - /etc/yum.conf and /etc/dnf/dnf.conf: [Settings.YumConf], [Settings.DNFConf];
//     [Settings.PackageManagerFiles] gives those a node has
//   - /etc/apt/apt.conf.d/… ([AptConfPath]): [Settings.AptConf]
//   - /etc/docker/daemon.json: [Settings.DockerDaemonJSON]; the daemon's
//     systemd drop-in takes the values of [Settings.DockerDaemonEnv]; which
//     of the two the daemon gets, the other cleaned, is [dockerd.Changes]
//   - ~/.docker/config.json: [Settings.DockerClientConfig], for the users
//     [DockerClients] finds in the node's /etc/passwd; an image build
//     takes [Settings.DockerBuildArgs], and [Settings.Dockerfile] writes the
//     lines its Dockerfile needs ([Dockerfile]: the CA, apt, conda)
//   - .condarc: [Settings.Condarc], or [Settings.CondarcWithMirrors] with a
//     proxy per mirror ([CondaMirror]); [MirrorsFromValues] reads the
//     mirrors, conda's and an Anaconda Server's, with their passwords
//   - a docker-compose project: [Settings.ComposeProject] gives its services
//     the proxy through [Settings.ComposeFile] and [Settings.ComposeDotEnv];
//     [ComposeTrustOverride] mounts the proxy's CA into its containers and
//     [ComposeTrustCommand] puts it into those still running;
//     [ComposeProject.Commands] are the docker-compose commands to run after
//   - an Anaconda Server's mirror script: [ServerMirrorsScript]; with the
//     REST API's request bodies, [ServerMirrorFiles]
//
// Every such edit is pure and idempotent, keeps every byte it does not own,
// and refuses input larger than [MaxFileSize] or that is not text.
//
// The command examples/noproxy prints, for a list and some URLs, what each
// client does, and the Java form with its losses:
//
//	go run ./examples/noproxy -no-proxy 'localhost,.corp.example,10.0.0.0/8' https://git.corp.example/
//
// # How the rules are known
//
// Each client's rule is checked in the tests against the real program
// (curl, python3's urllib, the JVM's ProxySelector) on more than two hundred
// (URL, list) cases, and Go's against golang.org/x/net/http/httpproxy, which
// [NoProxy.Bypass] uses itself. The tools' answers and versions are recorded
// under testdata/oracle.
//
// # Older curl
//
// [NoProxy.Bypass] with [Curl] follows curl 8.18 and later. Older releases
// differ: before 8.18 an IPv6 host was compared as text (so "::1" matched
// only a URL spelling it [::1] once curl had normalized it, and IPv6 CIDR
// entries never matched), and a CIDR prefix length was read with atoi
// ("10.0.0.0/8x" was /8; since, an entry with a malformed length matches
// nothing); before 8.17 an IPv6 prefix length not divisible by 8 matched
// wrongly; before 8.9 a blank separated names as a comma does
// (since, a blank after a name ends the list unless a comma follows); before
// 7.86 there were no CIDR entries at all.
//
// [dockerd.Changes]: https://pkg.go.dev/github.com/proxykit/proxykit/dockerd#Changes
package proxyenv
