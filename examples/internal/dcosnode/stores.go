package dcosnode

import (
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/systemdunit"
)

// javaHomeFiles are the environment files whose JAVA_HOME names a JDK
// dcos-node looks in besides the usual places: the login sessions', DC/OS's
// services' (EnvironmentFile=) and the login shells' (environment.export,
// which /etc/profile.d/dcos.sh links to).
var javaHomeFiles = []string{etcEnvPath, dcosEnvPath, dcosEnvPath + ".export"}

// unitDir is where DC/OS links its units in.
const unitDir = "etc/systemd/system"

// javaHomes returns every JAVA_HOME the node sets: in javaHomeFiles and in
// the Environment= and EnvironmentFile= of the units in /etc/systemd/system,
// absolute, each once, in the order found.
func javaHomes(n *node.Node) []string {
	var homes []string
	add := func(env []string) {
		for _, kv := range env {
			if k, v, _ := strings.Cut(kv, "="); k == "JAVA_HOME" && path.IsAbs(v) && !slices.Contains(homes, path.Clean(v)) {
				homes = append(homes, path.Clean(v))
			}
		}
	}
	for _, f := range javaHomeFiles {
		if b, err := n.ReadFile(f); err == nil {
			env, _ := parseShellEnv(b)
			add(env)
		}
	}
	real, err := n.Resolve(unitDir)
	if err != nil {
		return homes
	}
	entries, err := fs.ReadDir(n.FS, real)
	if err != nil {
		return homes
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".service") {
			continue
		}
		u, err := loadUnit(n, e.Name())
		if err != nil || u == nil {
			continue
		}
		eff, err := u.Effective(n.FS)
		if err != nil {
			continue
		}
		add(eff.Env())
	}
	return homes
}

// parseShellEnv reads an environment file that may be sourced by a shell
// too: "export " before an assignment is dropped, then it is read as
// systemd reads an EnvironmentFile=.
func parseShellEnv(b []byte) ([]string, error) {
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if t := strings.TrimLeft(l, " \t"); strings.HasPrefix(t, "export ") {
			lines[i] = strings.TrimLeft(strings.TrimPrefix(t, "export "), " \t")
		}
	}
	return systemdunit.ParseEnvironmentFile([]byte(strings.Join(lines, "\n")))
}
