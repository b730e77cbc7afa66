package proxyenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/rootfs"
)

// Where DC/OS keeps the files that carry proxy settings, relative to the
// root. [Settings.DCOSProxyEnv] writes the first; [CheckDCOSEnvironment]
// checks the other two, where proxy variables do harm.
const (
	// DCOSProxyEnvPath is DC/OS's proxy file, which its units read with
	// EnvironmentFile=.
	DCOSProxyEnvPath = "opt/mesosphere/etc/proxy.env"
	// DCOSEnvironmentPath is the environment every DC/OS unit reads with
	// EnvironmentFile=.
	DCOSEnvironmentPath = "opt/mesosphere/environment"
	// DCOSEnvironmentExportPath is the same environment as "export"
	// lines, which every login shell sources: /etc/profile.d/dcos.sh links
	// to it.
	DCOSEnvironmentExportPath = "opt/mesosphere/environment.export"

	dcosDir         = "opt/mesosphere"
	dcosVersionPath = "opt/mesosphere/etc/dcos-version.json"
	dcosRolesDir    = "etc/mesosphere/roles"
)

// DCOS is what a node's root says about the DC/OS installed on it.
type DCOS struct {
	// Version is the release named in /opt/mesosphere/etc/dcos-version.json
	// ("2.2.0"); "" when unknown.
	Version string
	// Roles are the node's roles, from the files in /etc/mesosphere/roles:
	// "master", "agent" (a file named slave), "public agent"
	// (slave_public); nil when none is known.
	Roles []string
}

// ReadDCOS returns what the node whose root file system is fsys says about
// its DC/OS installation, or nil when it has none (no /opt/mesosphere).
// Links are followed inside the root. What cannot be read is unknown.
func ReadDCOS(fsys fs.FS) *DCOS {
	if _, err := rootfs.Resolve(fsys, dcosDir); err != nil {
		return nil
	}
	d := new(DCOS)
	if _, b, err := rootfs.ReadFile(fsys, dcosVersionPath, MaxFileSize); err == nil {
		var v struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &v) == nil {
			d.Version = v.Version
		}
	}
	for _, r := range []struct{ file, role string }{{"master", "master"}, {"slave", "agent"}, {"slave_public", "public agent"}} {
		if _, err := rootfs.Resolve(fsys, dcosRolesDir+"/"+r.file); err == nil {
			d.Roles = append(d.Roles, r.role)
		}
	}
	return d
}

// String describes the installation as "DC/OS 2.2.0 master", with
// "unknown version" and "unknown role" for what is not known; nil, a node
// without DC/OS, is "no DC/OS installed (no /opt/mesosphere)".
func (d *DCOS) String() string {
	if d == nil {
		return "no DC/OS installed (no /" + dcosDir + ")"
	}
	version, roles := d.Version, strings.Join(d.Roles, ", ")
	if version == "" {
		version = "unknown version"
	}
	if roles == "" {
		roles = "unknown role"
	}
	return "DC/OS " + version + " " + roles
}

// DCOSEnvironmentProblem is a file of DC/OS's own environment that sets
// proxy variables: DC/OS reads its proxy from [DCOSProxyEnvPath] alone,
// with its own no-proxy list, and a proxy set elsewhere sends the calls
// between the nodes to the proxy.
type DCOSEnvironmentProblem struct {
	// Path is the file, root-relative: [DCOSEnvironmentPath] or
	// [DCOSEnvironmentExportPath].
	Path string
	// Variables are the proxy variables it sets ([ProxyVariables]).
	Variables []string
	// Why says, for a person, what they break.
	Why string
	// Instead is the file (root-relative) that carries the proxy to the
	// same readers without the harm: DC/OS's units read
	// [DCOSProxyEnvPath], login sessions /etc/environment.
	Instead string
	// Fix is the edit that removes them, in both cases, keeping every
	// other line.
	Fix Edit
}

// CheckDCOSEnvironment returns the files of DC/OS's own environment that
// set proxy variables on the node whose root file system is fsys:
// /opt/mesosphere/environment, which every DC/OS unit reads and from which
// dcos-diagnostics takes http_proxy but not no_proxy, and
// /opt/mesosphere/environment.export, which every login shell sources. A
// file that does not exist has no problem; one that cannot be read is an
// error.
func CheckDCOSEnvironment(fsys fs.FS) ([]DCOSEnvironmentProblem, error) {
	var out []DCOSEnvironmentProblem
	for _, f := range []struct {
		path, why, instead string
		fix                func() (Edit, []Warning, error)
	}{
		// Settings with no proxy remove every proxy variable, both cases.
		{DCOSEnvironmentPath, "every DC/OS service reads this file, and dcos-diagnostics takes http_proxy from it but not no_proxy, " +
			"so its calls to the other nodes go to the proxy and the UI's health and node pages fail", DCOSProxyEnvPath, Settings{}.EtcEnvironment},
		{DCOSEnvironmentExportPath, "every login shell sources this file (/etc/profile.d/dcos.sh links to it), so the DC/OS CLI and the scripts run " +
			"from a shell send the other nodes' calls to the proxy, without DC/OS's no_proxy", "etc/environment", Settings{}.ProfileScript},
	} {
		_, b, err := rootfs.ReadFile(fsys, f.path, MaxFileSize)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("check /%s: %w", f.path, err)
		}
		vars := ProxyVariables(b)
		if len(vars) == 0 {
			continue
		}
		fix, _, err := f.fix()
		if err != nil {
			return nil, err
		}
		out = append(out, DCOSEnvironmentProblem{Path: f.path, Variables: vars, Why: f.why, Instead: f.instead, Fix: fix})
	}
	return out, nil
}

// ProxyVariables returns the proxy variables ([IsVariable], either case)
// that an environment file, or a script of "export NAME=value" lines,
// assigns, in order, each once.
func ProxyVariables(b []byte) []string {
	var found []string
	for _, l := range splitLines(b) {
		if k, ok := envKey(l.text); ok && IsVariable(k) && !slices.Contains(found, k) {
			found = append(found, k)
		}
	}
	return found
}
