// Package truststore adds and removes a certificate authority in the trust
// stores of a Linux node: PEM bundles, Java keystores (JKS and password-less
// PKCS#12) and the system CA store of each distribution family.
//
// To add a CA to every trust store of a node, reach first for [Changes]: from
// the node's root as an [io/fs.FS] and the certificates, it returns a [Plan]
// with every file to write ([Change]: path, edit, kind, why, and the command
// that keeps the regenerated stores in step) and every store it must leave
// ([Left]), each with the reason, and those [ChangeOptions.Skip] leaves out
// on purpose ([Skipped]). The caller writes the files (under an [os.Root])
// and runs the update command; [Change.Reaches] tells which programs that
// read their CAs at start (a JVM from its keystore) must restart for it.
//
// [ParseCertificate] reads the CA from PEM or DER, and the
// [Certificate] it returns is identified by its SHA-256 [Fingerprint], printed
// as keytool prints it. [Certificate.CheckAnchor] refuses it as the CA to
// trust when it is not a CA certificate or not valid at the time given
// (unless [AnchorOptions] allow it); [Certificate.Warnings] lists those
// doubts without refusing.
//
// Every change to a store is an [Edit], a func(old []byte) ([]byte, error)
// where old == nil means the file does not exist. Edits are pure,
// deterministic and idempotent, keep every byte they do not own, and return
// an error and no bytes on input they do not understand:
//
//   - [AddToBundle] and [RemoveFromBundle] edit PEM bundles (certifi's
//     cacert.pem, ca-certificates.crt) in place, in the bundle's own style;
//     [ListBundle] lists one; [SeededBundle] makes one of one's own.
//   - [AddToKeystore] and [RemoveFromKeystore] edit Java keystores: JKS
//     (through keystore-go) and the password-less PKCS#12 cacerts of JDK 18+
//     (through a small codec that keeps every other bag byte for byte),
//     told apart by content with [DetectKeystore]. Passwords are [Password]
//     values, which never print. [ListKeystore] lists one.
//
// The system store of each distribution family is data: [Layouts] lists the
// anchor directory, the update command and the stores it regenerates;
// [DetectLayout] picks the layout of a file tree from etc/os-release.
//
// To find what to edit on a node, call [Discover] with the node's root as an
// [io/fs.FS] (os.DirFS): it reports the system store, every JDK's keystore and
// the PEM bundles asked for — by path or glob, or found by a bounded walk of
// [Discovery.BundleRoots] ([DCOSBundleRoots] walks DC/OS's package store and
// the Python and conda prefixes) —, each once however many symbolic links
// reach it (links are resolved inside the root), and marks the stores the
// distribution regenerates, with the command that keeps the CA there. The
// places it looks are data, in [DefaultJDKGlobs], [DefaultKeystoreFiles],
// [DefaultBundleGlobs], [DefaultBundleRoots] and [Layouts], each replaceable
// through [Discovery]. [DiscoverConda] finds a node's conda installations
// ([DefaultCondaPrefixes]), each with its .condarc and the bundles conda and
// its Pythons read ([DefaultCondaBundles], and the file ssl_verify names);
// [CondaBundleGlobs] reaches those bundles without finding the
// installations, and [PublicRoots] finds the node's copy of the public
// roots to seed a bundle from.
//
// [ParseFingerprint] reads a SHA-256 fingerprint as keytool, openssl and
// sha256sum print it, labels included.
package truststore
