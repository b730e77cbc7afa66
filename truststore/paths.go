package truststore

// Where Linux distributions and their software keep trust stores: data
// only, kept apart from the logic that reads it, as crypto/x509 keeps its
// root_linux.go. Each list is returned fresh, so a caller may change it; the
// fields of [Discovery] replace any of them, in tests and for nodes laid out
// otherwise. The bundle roots are where the walk starts; what it finds there
// is told by name and content.

// DefaultJDKGlobs returns where JDKs live on Linux: the distribution's JVM
// directory, Oracle's RPMs under /usr/java, vendor tarballs unpacked one or
// two levels under /usr/local and /opt (container images' /opt/java/openjdk
// among them), and DC/OS's packaged JRE. Each match is a JDK or JRE home
// when one of [DefaultKeystoreFiles] exists under it.
func DefaultJDKGlobs() []string {
	return []string{
		"usr/lib/jvm/*",
		"usr/java/*",
		"usr/local/*",
		"usr/local/*/*",
		"opt/*",
		"opt/*/*",
		"opt/mesosphere/packages/java--*/usr/java",
	}
}

// DefaultBundleRoots returns the directories walked for Python's and
// conda's own PEM bundles (see [Discovery.BundleRoots]): the system's and
// /usr/local's Python libraries and the usual conda prefixes.
func DefaultBundleRoots() []string {
	return []string{
		"usr/lib/python3*",
		"usr/lib64/python3*",
		"usr/lib/python3/dist-packages",
		"usr/local/lib/python3*",
		"usr/local/lib64/python3*",
		"opt/conda",
		"opt/miniconda*",
		"opt/anaconda*",
	}
}

// DefaultCondaPrefixes returns where conda installations live, as
// patterns relative to the root (see [DiscoverConda]): under /opt, /usr/local
// and /usr/share, root's home and every user's, in Anaconda's, Miniconda's,
// Miniforge's and Mambaforge's default names, and /conda, where some images
// (Anaconda Server's among them) keep it.
func DefaultCondaPrefixes() []string {
	return []string{
		"conda",
		"opt/conda", "opt/miniconda*", "opt/anaconda*", "opt/miniforge*", "opt/mambaforge*",
		"usr/local/conda", "usr/local/miniconda*", "usr/share/miniconda*",
		"root/miniconda*", "root/anaconda*", "root/miniforge*",
		"home/*/miniconda*", "home/*/anaconda*", "home/*/miniforge*",
	}
}

// DefaultCondaBundles returns the CA bundles of a conda installation, as
// patterns relative to its prefix: conda's own ssl/cacert.pem, and
// certifi's (requests, pip's vendored copy) in the base environment and in
// every other one.
func DefaultCondaBundles() []string {
	return []string{
		"ssl/cacert.pem",
		"lib/python3*/site-packages/certifi/cacert.pem",
		"lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
		"envs/*/ssl/cacert.pem",
		"envs/*/lib/python3*/site-packages/certifi/cacert.pem",
		"envs/*/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
	}
}

// CondaBundleGlobs returns the bundles of every conda installation where
// [DefaultCondaPrefixes] looks, as patterns relative to the root for
// [Discovery.Bundles]: each prefix joined with each of
// [DefaultCondaBundles]. [DiscoverConda] finds the installations first;
// these reach their bundles without that (to verify, say).
func CondaBundleGlobs() []string {
	var out []string
	for _, p := range DefaultCondaPrefixes() {
		for _, b := range DefaultCondaBundles() {
			out = append(out, p+"/"+b)
		}
	}
	return out
}

// DCOSBundleRoots returns [DefaultBundleRoots] and DC/OS's package store,
// /opt/mesosphere/packages, where every pkgpanda package keeps its Python
// libraries: pip's vendored requests, requests, websocket-client and
// botocore each carry a cacert.pem there.
func DCOSBundleRoots() []string {
	return append([]string{"opt/mesosphere/packages"}, DefaultBundleRoots()...)
}

// DefaultBundleGlobs returns where Python and conda keep their own PEM
// bundles on Linux: certifi's cacert.pem (system and /usr/local site- and
// dist-packages, pip's vendored copy), requests' cacert.pem and conda's
// ssl/cacert.pem. Pass them, with any others, in [Discovery.Bundles]. On
// Debian, certifi's cacert.pem is a link to the system bundle, which
// [Discover] reports as regenerated.
func DefaultBundleGlobs() []string {
	return []string{
		"usr/lib/python3*/site-packages/certifi/cacert.pem",
		"usr/lib/python3/dist-packages/certifi/cacert.pem",
		"usr/local/lib/python3*/site-packages/certifi/cacert.pem",
		"usr/local/lib/python3*/dist-packages/certifi/cacert.pem",
		"usr/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
		"usr/local/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
		"usr/lib/python3*/site-packages/requests/cacert.pem",
		"usr/local/lib/python3*/site-packages/requests/cacert.pem",
		"opt/conda/ssl/cacert.pem",
		"opt/conda/lib/python3*/site-packages/certifi/cacert.pem",
	}
}

// DCOSBundleGlobs returns where DC/OS's own Python packages keep PEM
// bundles, as DC/OS's proxy notes list them: pip's vendored requests in the
// python package, requests, websocket in dcos-image-deps and botocore's
// vendored requests in boto. The walk of [DCOSBundleRoots] finds these and
// any others; the list stays for callers that want only these.
func DCOSBundleGlobs() []string {
	return []string{
		"opt/mesosphere/packages/python--*/lib/python3*/site-packages/pip/_vendor/requests/cacert.pem",
		"opt/mesosphere/packages/python--*/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
		"opt/mesosphere/packages/python-requests--*/lib/python3*/site-packages/requests/cacert.pem",
		"opt/mesosphere/packages/dcos-image-deps--*/lib/python3*/site-packages/websocket/cacert.pem",
		"opt/mesosphere/packages/boto--*/lib/python3*/site-packages/botocore/vendored/requests/cacert.pem",
		"opt/mesosphere/packages/dcos-image-deps--*/lib/python3*/site-packages/botocore/vendored/requests/cacert.pem",
	}
}

// DefaultKeystoreFiles returns where a JDK or JRE home keeps its
// keystores, relative to the home.
func DefaultKeystoreFiles() []string {
	return []string{
		"lib/security/cacerts",
		"lib/security/jssecacerts",
		"jre/lib/security/cacerts",
		"jre/lib/security/jssecacerts",
	}
}

// Layouts returns the system store layouts of the distribution families
// proxykit knows, most common first. The result is a fresh copy.
func Layouts() []Layout {
	return []Layout{
		{
			Family:    "debian",
			IDs:       []string{"debian", "ubuntu", "linuxmint", "raspbian", "pop"},
			AnchorDir: "usr/local/share/ca-certificates",
			AnchorExt: ".crt",
			Update:    []string{"update-ca-certificates"},
			Bundle:    "etc/ssl/certs/ca-certificates.crt",
			// ca-certificates-java's hook rebuilds the JKS from the system store.
			Derived: []string{"etc/ssl/certs/java/cacerts"},
			Markers: []string{"etc/debian_version"},
		},
		{
			Family:    "rhel",
			IDs:       []string{"rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn"},
			AnchorDir: "etc/pki/ca-trust/source/anchors",
			AnchorExt: ".crt",
			Update:    []string{"update-ca-trust", "extract"},
			Bundle:    "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
			Derived: []string{
				"etc/pki/ca-trust/extracted/java/cacerts",
				"etc/pki/ca-trust/extracted/openssl/ca-bundle.trust.crt",
				"etc/pki/ca-trust/extracted/pem/email-ca-bundle.pem",
				"etc/pki/ca-trust/extracted/pem/objsign-ca-bundle.pem",
				"etc/pki/java/cacerts",
				"etc/pki/tls/certs/ca-bundle.crt",
				"etc/pki/tls/cert.pem",
			},
			Markers: []string{"etc/redhat-release", "etc/pki/ca-trust/source/anchors"},
		},
		{
			Family:    "suse",
			IDs:       []string{"suse", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "sles", "sled", "sle-micro"},
			AnchorDir: "etc/pki/trust/anchors",
			AnchorExt: ".crt",
			Update:    []string{"update-ca-certificates"},
			Bundle:    "var/lib/ca-certificates/ca-bundle.pem",
			Derived: []string{
				"var/lib/ca-certificates/java-cacerts",
				"etc/ssl/ca-bundle.pem",
			},
			Markers: []string{"etc/SUSE-brand", "etc/pki/trust/anchors"},
		},
		{
			Family:    "alpine",
			IDs:       []string{"alpine"},
			AnchorDir: "usr/local/share/ca-certificates",
			AnchorExt: ".crt",
			Update:    []string{"update-ca-certificates"},
			Bundle:    "etc/ssl/certs/ca-certificates.crt",
			// java-cacerts' trigger rebuilds it from the system store.
			Derived: []string{"etc/ssl/certs/java/cacerts", "etc/ssl/cert.pem"},
			Markers: []string{"etc/alpine-release"},
		},
	}
}
