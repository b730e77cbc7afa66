package systemdunit

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/rootfs"
)

// Effective is a unit's environment and command as systemd computes them
// from its files, each value with the file it comes from. Get one with
// [Unit.Effective].
type Effective struct {
	// Files are the unit file and its drop-ins, in the order systemd reads
	// them (root-relative paths as loaded).
	Files []string
	// Environment is the environment systemd passes to the service:
	// Environment= assignments of every file in order, then those of the
	// EnvironmentFile= files, which override them.
	Environment []Variable
	// EnvironmentFiles are the EnvironmentFile= entries in effect, in order
	// (an empty assignment resets the list).
	EnvironmentFiles []EnvironmentFile
	// ExecStart is the command line systemd runs, and ExecStartFile the
	// file whose ExecStart= lines give it ("" when no file does).
	ExecStart     []Command
	ExecStartFile string

	files []*File // the unit's files, for Overrides
}

// Variable is one variable of a unit's environment.
type Variable struct {
	Name, Value string
	// File is the file that sets the value last: the unit file or drop-in
	// with its Environment= line, or the EnvironmentFile= file
	// (root-relative).
	File string
	// FromEnvironmentFile says File is an EnvironmentFile= file, whose
	// values override every Environment= line.
	FromEnvironmentFile bool
}

func (v Variable) String() string { return v.Name + "=" + v.Value }

// EnvironmentFile is one EnvironmentFile= entry of a unit.
type EnvironmentFile struct {
	// Path is the file as the unit names it, absolute, without the "-".
	Path string
	// Optional is true for an entry written with a "-" prefix: systemd
	// ignores it when the file is missing.
	Optional bool
	// Unit is the unit file or drop-in that names it.
	Unit string
	// Vars are the file's assignments, "KEY=value" ([ParseEnvironmentFile]).
	Vars []string
	// Missing is true when the file does not exist under the root; Err is
	// set when it exists but cannot be read.
	Missing bool
	Err     error
}

// Lookup returns the variable called name, and whether it is set.
func (e *Effective) Lookup(name string) (Variable, bool) {
	for _, v := range e.Environment {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}

// Env returns the environment as "KEY=value" strings, in order.
func (e *Effective) Env() []string {
	out := make([]string, len(e.Environment))
	for i, v := range e.Environment {
		out[i] = v.String()
	}
	return out
}

// Effective computes the unit's environment and command with their
// sources. The EnvironmentFile= files are read from fsys, the node's root
// (absolute paths are taken relative to it, links resolved inside it); a
// missing file is marked, not an error, as systemd starts a unit without an
// optional one. The error is reserved for a command systemd cannot parse.
func (u *Unit) Effective(fsys fs.FS) (*Effective, error) {
	files := u.files()
	e := &Effective{files: files}
	from := map[string]string{}
	for i, f := range files {
		e.Files = append(e.Files, f.fileName())
		own, _ := environment(files[i : i+1])
		for _, kv := range own {
			name, _, _ := strings.Cut(kv, "=")
			from[name] = f.fileName()
		}
		for _, v := range f.Values(ServiceSection, "EnvironmentFile") {
			if v == "" {
				e.EnvironmentFiles = e.EnvironmentFiles[:0]
				continue
			}
			ef := EnvironmentFile{Path: strings.TrimPrefix(v, "-"), Optional: strings.HasPrefix(v, "-"), Unit: f.fileName()}
			e.EnvironmentFiles = append(e.EnvironmentFiles, ef)
		}
		if vs := f.Values(ServiceSection, "ExecStart"); len(vs) > 0 {
			if vs[len(vs)-1] == "" {
				e.ExecStartFile = ""
			} else {
				e.ExecStartFile = f.fileName()
			}
		}
	}
	env, _ := environment(files)
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		e.Environment = append(e.Environment, Variable{Name: name, Value: value, File: from[name]})
	}
	for i := range e.EnvironmentFiles {
		ef := &e.EnvironmentFiles[i]
		b, err := readEnvFile(fsys, ef.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			ef.Missing = true
			continue
		case err != nil:
			ef.Err = err
			continue
		}
		vars, err := ParseEnvironmentFile(b)
		if err != nil {
			ef.Err = err
			continue
		}
		ef.Vars = vars
		for _, kv := range vars {
			name, value, _ := strings.Cut(kv, "=")
			v := Variable{Name: name, Value: value, File: strings.TrimPrefix(path.Clean(ef.Path), "/"), FromEnvironmentFile: true}
			if j := slices.IndexFunc(e.Environment, func(x Variable) bool { return x.Name == name }); j >= 0 {
				e.Environment[j] = v
			} else {
				e.Environment = append(e.Environment, v)
			}
		}
	}
	cmds, _, err := commands(files, "ExecStart")
	if err != nil {
		return nil, err
	}
	e.ExecStart = cmds
	return e, nil
}

// readEnvFile reads an EnvironmentFile= file under the root of fsys.
func readEnvFile(fsys fs.FS, name string) ([]byte, error) {
	_, b, err := rootfs.ReadFile(fsys, name, maxEnvFile)
	if errors.Is(err, rootfs.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %w", err, ErrValue)
	}
	return b, err
}

// An Override is a file that sets what a drop-in sets and takes precedence
// over it: systemd takes its values.
type Override struct {
	// File is the drop-in read after ours, or the EnvironmentFile= file
	// (root-relative).
	File string
	// Keys are the variables it sets, of those asked about, in its order.
	Keys []string
	// ExecStart is true for a drop-in that sets ExecStart=.
	ExecStart bool
	// EnvironmentFile is true when File is an EnvironmentFile= file, whose
	// values override every Environment= line.
	EnvironmentFile bool
}

// Overrides returns what takes precedence over the drop-in called name (its
// file name, "http-proxy.conf") for the variables keys, and for ExecStart=
// when execStart is set: each drop-in read after it (its file name sorts
// after name) that sets one of them, then each EnvironmentFile= file that
// sets one of keys. Whether the drop-in exists yet does not matter.
func (e *Effective) Overrides(name string, keys []string, execStart bool) []Override {
	var out []Override
	setKeys := func(env []string) []string {
		var set []string
		for _, kv := range env {
			k, _, ok := strings.Cut(kv, "=")
			if ok && slices.Contains(keys, k) && !slices.Contains(set, k) {
				set = append(set, k)
			}
		}
		return set
	}
	for i, f := range e.files {
		base := path.Base(f.Name)
		if i == 0 && !strings.HasSuffix(base, ".conf") || base <= name {
			continue
		}
		env, _ := f.Environment()
		o := Override{File: f.fileName(), Keys: setKeys(env), ExecStart: execStart && len(f.Values(ServiceSection, "ExecStart")) > 0}
		if len(o.Keys) > 0 || o.ExecStart {
			out = append(out, o)
		}
	}
	for _, ef := range e.EnvironmentFiles {
		if set := setKeys(ef.Vars); len(set) > 0 {
			out = append(out, Override{File: strings.TrimPrefix(path.Clean(ef.Path), "/"), Keys: set, EnvironmentFile: true})
		}
	}
	return out
}

// WithDropIn returns the unit as systemd would read it with the drop-in f
// (f.Name its root-relative path, in one of [DropInDirs]) in place: f
// replaces the file of the same path, hides a drop-in of the same file name
// in a directory of lower precedence, is hidden by one in a directory of
// higher precedence, and is otherwise read in order of file name. u is not
// changed.
func (u *Unit) WithDropIn(f *File) *Unit {
	out := &Unit{Name: u.Name, Files: slices.Clone(u.Files)}
	first := 0
	if len(out.Files) > 0 && !strings.HasSuffix(out.Files[0].Name, ".conf") {
		first = 1 // the unit file
	}
	base := path.Base(f.Name)
	for i := first; i < len(out.Files); i++ {
		switch b := path.Base(out.Files[i].Name); {
		case out.Files[i].Name == f.Name:
			out.Files[i] = f
			return out
		case b == base:
			if precedence(out.Files[i].Name) > precedence(f.Name) {
				out.Files[i] = f // ours hides this one
			}
			return out
		case b > base:
			out.Files = slices.Insert(out.Files, i, f)
			return out
		}
	}
	out.Files = append(out.Files, f)
	return out
}

// precedence returns the rank in [UnitDirs] of the directory holding the
// file at p: lower wins.
func precedence(p string) int {
	p = strings.TrimPrefix(p, "/")
	for i, d := range UnitDirs {
		if strings.HasPrefix(p, d+"/") {
			return i
		}
	}
	return len(UnitDirs)
}
