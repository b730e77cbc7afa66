package truststore

import (
	"bufio"
	"bytes"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Layout is where one distribution family keeps its system CA store: the
// directory an administrator drops a CA into, the command that rebuilds the
// derived stores from it, and those derived stores. Paths are relative to the
// root of the node's file system, without a leading slash ("etc/…"), so they
// work under any root ([io/fs] and [os.Root] paths).
//
// Layouts are data: [Layouts] lists them, [DetectLayout] picks one from a
// file tree. Nothing is probed until asked.
type Layout struct {
	// Family names the layout: "debian", "rhel", "suse", "alpine".
	Family string
	// IDs are the /etc/os-release ID and ID_LIKE values of the family:
	// "debian", "ubuntu"; "rhel", "centos", "fedora"; ….
	IDs []string
	// AnchorDir is where a local CA goes, one certificate per file:
	// "usr/local/share/ca-certificates".
	AnchorDir string
	// AnchorExt is the file name extension the update command reads there:
	// ".crt" on Debian (other names are silently ignored).
	AnchorExt string
	// Update is the command that rebuilds the derived stores from the
	// anchors, as an argument vector: {"update-ca-certificates"}.
	Update []string
	// Bundle is the PEM bundle the update command writes:
	// "etc/ssl/certs/ca-certificates.crt". Edits to it are lost at the next
	// update.
	Bundle string
	// Derived are other files the update command regenerates, such as the
	// Java keystore ("etc/ssl/certs/java/cacerts" on Debian) and the links
	// that reach them ("etc/pki/java/cacerts" on RHEL). Edits to them are lost
	// at the next update; put the CA in AnchorDir and run Update instead.
	Derived []string
	// Markers are files or directories whose presence identifies the family
	// when /etc/os-release is missing or names no known ID. Only files
	// specific to the family qualify: update-ca-certificates, for one,
	// exists on Debian, SUSE and Alpine alike.
	Markers []string
}

// AnchorPath returns the root-relative path of the anchor file named name:
// AnchorDir/name + AnchorExt, "usr/local/share/ca-certificates/corp-proxy.crt".
// name must be a plain file name without extension.
func (l Layout) AnchorPath(name string) string {
	return path.Join(l.AnchorDir, name+l.AnchorExt)
}

// Regenerates reports whether p (root-relative, cleaned) is a store this
// layout's update command rewrites: the bundle or a derived store.
func (l Layout) Regenerates(p string) bool {
	return p == l.Bundle || slices.Contains(l.Derived, p)
}

// DetectLayout picks the layout of the node whose root file system is fsys:
// first by the ID, then the ID_LIKE values of etc/os-release (or
// usr/lib/os-release), then by the first layout whose markers exist. It
// reports false when nothing matches.
func DetectLayout(fsys fs.FS) (Layout, bool) {
	layouts := Layouts()
	for _, name := range []string{"etc/os-release", "usr/lib/os-release"} {
		b, err := readFile(fsys, name, 64<<10)
		if err != nil {
			continue
		}
		id, like := osReleaseIDs(b)
		for _, cand := range append([]string{id}, like...) {
			for _, l := range layouts {
				if slices.Contains(l.IDs, cand) {
					return l, true
				}
			}
		}
		break
	}
	for _, l := range layouts {
		for _, m := range l.Markers {
			if _, err := resolve(fsys, m); err == nil {
				return l, true
			}
		}
	}
	return Layout{}, false
}

// osReleaseIDs returns ID and the words of ID_LIKE from an os-release file.
func osReleaseIDs(b []byte) (id string, like []string) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		switch k {
		case "ID":
			id = strings.ToLower(v)
		case "ID_LIKE":
			like = strings.Fields(strings.ToLower(v))
		}
	}
	return id, like
}
