package jvmflags

import (
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/rootfs"
	"github.com/proxykit/proxykit/systemdunit"
)

// JavaHomeFiles are the environment files (root-relative) whose JAVA_HOME
// names a JDK on a DC/OS node: the login sessions' (/etc/environment),
// DC/OS's services' (EnvironmentFile=/opt/mesosphere/environment) and the
// login shells' (environment.export, which /etc/profile.d/dcos.sh links
// to). Pass them to [JavaHomes].
var JavaHomeFiles = []string{"etc/environment", "opt/mesosphere/environment", "opt/mesosphere/environment.export"}

// maxEnvFile bounds an environment file read by [JavaHomes].
const maxEnvFile = 4 << 20

// JavaHomes returns every JAVA_HOME the node whose root file system is fsys
// sets: in the environment files files (root-relative; read as systemd
// reads an EnvironmentFile=, after dropping the "export " a shell that
// sources the file reads) and in the effective environment
// (Environment= and EnvironmentFile= contents, drop-ins in precedence) of
// the units named by patterns ([systemdunit.Find]); absolute values only,
// cleaned, each once, in the order found. Links are followed inside the
// root. A file or unit that cannot be read is skipped: a home not named is
// only a JDK not searched. Hand the result to truststore's discovery
// (Discovery.JavaHomes) to find the keystores of JDKs outside the usual
// places.
func JavaHomes(fsys fs.FS, files []string, patterns ...string) []string {
	var homes []string
	add := func(env []string) {
		for _, kv := range env {
			if k, v, _ := strings.Cut(kv, "="); k == "JAVA_HOME" && path.IsAbs(v) && !slices.Contains(homes, path.Clean(v)) {
				homes = append(homes, path.Clean(v))
			}
		}
	}
	for _, f := range files {
		if _, b, err := rootfs.ReadFile(fsys, f, maxEnvFile); err == nil {
			env, _ := parseShellEnv(b)
			add(env)
		}
	}
	if len(patterns) == 0 {
		return homes
	}
	names, err := systemdunit.Find(fsys, patterns...)
	if err != nil {
		return homes
	}
	for _, name := range names {
		u, err := systemdunit.Load(fsys, name)
		if err != nil { // not found, masked, or refused: no environment
			continue
		}
		if eff, err := u.Effective(fsys); err == nil {
			add(eff.Env())
		}
	}
	return homes
}

// parseShellEnv reads an environment file that a shell may source too:
// "export " before an assignment is dropped, then it is read as systemd
// reads an EnvironmentFile= ([systemdunit.ParseEnvironmentFile]).
func parseShellEnv(b []byte) ([]string, error) {
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if t := strings.TrimLeft(l, " \t"); strings.HasPrefix(t, "export ") {
			lines[i] = strings.TrimLeft(strings.TrimPrefix(t, "export "), " \t")
		}
	}
	return systemdunit.ParseEnvironmentFile([]byte(strings.Join(lines, "\n")))
}
