package proxyenv

import (
	"fmt"
	"io/fs"

	"github.com/proxykit/proxykit/internal/rootfs"
)

// File is a file of a node that carries the proxy settings to its readers,
// with the edit that writes them there.
type File struct {
	// Path is the file, relative to the root: "etc/yum.conf".
	Path string
	// Why says, for a person, who reads it: "proxy for package downloads".
	Why string
	// Edit writes the settings; it is pure and idempotent, and keeps what
	// it does not own.
	Edit Edit
	// Warnings are what the format could not carry ([Warning]).
	Warnings []Warning
	// Secret is set when the file holds the proxy credentials and only its
	// readers should read it.
	Secret bool
	// Mode is the permission of the file when it is created; 0 means 0600
	// when Secret is set and 0644 otherwise.
	Mode fs.FileMode
}

// Yum's and dnf's main configuration files, relative to the root.
const (
	YumConfPath = "etc/yum.conf"
	DNFConfPath = "etc/dnf/dnf.conf"
)

// PackageManagerFiles returns the files of yum and dnf ([YumConfPath],
// [DNFConfPath]) that exist on the node whose root file system is fsys
// (links followed inside the root), each with its edit
// ([Settings.YumConf], [Settings.DNFConf]); none when neither exists. An
// error is a value the format cannot hold, as the edits' constructors
// return it, prefixed with the file.
func (s Settings) PackageManagerFiles(fsys fs.FS) ([]File, error) {
	var out []File
	for _, c := range []struct {
		path string
		f    func() (Edit, []Warning, error)
	}{{YumConfPath, s.YumConf}, {DNFConfPath, s.DNFConf}} {
		if _, err := rootfs.Resolve(fsys, c.path); err != nil {
			continue
		}
		f, err := s.file(c.path, "proxy for package downloads", s.HasCredentials(), 0, c.f)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// DCOSFiles returns the files that carry the proxy on a node that may run
// DC/OS: /etc/environment, which pam_env reads into every login session
// ([Settings.EtcEnvironment]), and, when dcos is not nil ([ReadDCOS]),
// DC/OS's proxy.env, which its units read with EnvironmentFile=
// ([Settings.DCOSProxyEnv], [DCOSProxyEnvPath]), both with every variable
// in both cases. An error is a value a format cannot hold, prefixed with
// the file.
func (s Settings) DCOSFiles(dcos *DCOS) ([]File, error) {
	env, err := s.file("etc/environment", "proxy for every login session (pam_env), both cases", false, 0o644, s.EtcEnvironment)
	if err != nil {
		return nil, err
	}
	if dcos == nil {
		return []File{env}, nil
	}
	pe, err := s.file(DCOSProxyEnvPath, "proxy for DC/OS services (EnvironmentFile=), both cases", true, 0, s.DCOSProxyEnv)
	if err != nil {
		return nil, err
	}
	return []File{env, pe}, nil
}

// file builds a File with the edit of the format f.
func (s Settings) file(path, why string, secret bool, mode fs.FileMode, f func() (Edit, []Warning, error)) (File, error) {
	edit, warns, err := f()
	if err != nil {
		return File{}, fmt.Errorf("/%s: %w", path, err)
	}
	return File{Path: path, Why: why, Edit: edit, Warnings: warns, Secret: secret, Mode: mode}, nil
}
