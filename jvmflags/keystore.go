package jvmflags

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/proxykit/proxykit/internal/rootfs"
	"github.com/proxykit/proxykit/systemdunit"
)

// jreKeystores are where a JDK or JRE home keeps the CAs the JVM trusts by
// default: lib/security/cacerts, or jre/lib/security/cacerts in a Java 8
// JDK.
var jreKeystores = []string{"lib/security/cacerts", "jre/lib/security/cacerts"}

// trustStoreKey is the property that names another keystore than the JRE's.
const trustStoreKey = "javax.net.ssl.trustStore"

// Keystore returns the Java keystore from which the JVM that a systemd
// service runs reads its CAs, once, at start: a new CA there reaches the
// service only when it restarts. e is the service's effective view
// ([systemdunit.Unit.Effective]) and fsys the node's root. The keystore is
// the file javax.net.ssl.trustStore names (absolute) in the java command
// line of ExecStart= or in JAVA_TOOL_OPTIONS, the command line winning;
// else the JRE's lib/security/cacerts, or jre/lib/security/cacerts (Java
// 8), the JRE being the home of the java binary ExecStart= runs, else
// JAVA_HOME. The result is root-relative with every link followed inside
// fsys, as truststore names a store's real file. It fails with
// [ErrNoKeystore] when no keystore is found: a caller then cannot tell
// which store the service reads.
func Keystore(fsys fs.FS, e *systemdunit.Effective) (string, error) {
	var argv []string
	if len(e.ExecStart) > 0 {
		argv = e.ExecStart[0].Argv
	}
	store := ""
	if v, ok := e.Lookup("JAVA_TOOL_OPTIONS"); ok {
		if opts, err := ParseToolOptions(v.Value); err == nil {
			for _, o := range opts {
				if v, ok := strings.CutPrefix(o, "-D"+trustStoreKey+"="); ok {
					store = v
				}
			}
		}
	}
	if c, err := ParseCommand(argv); err == nil {
		for _, o := range c.Options() {
			if k, v, ok := o.Property(); ok && k == trustStoreKey {
				store = v
			}
		}
	}
	if path.IsAbs(store) {
		return resolve(fsys, store)
	}
	var home string
	if len(argv) > 0 && path.Base(argv[0]) == "java" {
		if real, err := rootfs.Resolve(fsys, argv[0]); err == nil {
			home = path.Dir(path.Dir(real))
		}
	}
	if v, ok := e.Lookup("JAVA_HOME"); home == "" && ok && path.IsAbs(v.Value) {
		home = v.Value
	}
	if home == "" {
		return "", fmt.Errorf("no java command line and no JAVA_HOME: %w", ErrNoKeystore)
	}
	for _, ks := range jreKeystores {
		if real, err := resolve(fsys, path.Join(home, ks)); err == nil {
			return real, nil
		}
	}
	return "", fmt.Errorf("JRE /%s: no %s: %w", strings.TrimPrefix(path.Clean(home), "/"), strings.Join(jreKeystores, " or "), ErrNoKeystore)
}

func resolve(fsys fs.FS, name string) (string, error) {
	real, err := rootfs.Resolve(fsys, name)
	if err != nil {
		return "", fmt.Errorf("%w: %w", err, ErrNoKeystore)
	}
	return real, nil
}
