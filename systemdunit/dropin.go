package systemdunit

import (
	"fmt"
	"slices"
	"strings"
)

// DropIn describes the settings proxykit puts in a drop-in of a service:
// environment variables to set and, optionally, a replacement ExecStart=.
// Its [DropIn.Edit] method is an edit of the drop-in file's bytes.
type DropIn struct {
	// Environment lists "KEY=value" assignments to set in [Service], one
	// Environment= line each. An existing assignment of a KEY in the file is
	// replaced; other lines are kept.
	Environment []string
	// Unset lists variable names whose assignments are removed from the
	// file's Environment= lines.
	Unset []string
	// ExecStart, when not nil, replaces the unit's commands: the drop-in gets
	// an empty "ExecStart=" (which resets the list the unit set) followed by
	// one ExecStart= line per command, replacing ExecStart= lines it had.
	ExecStart []Command
}

// Edit applies d to a drop-in's bytes; old == nil means the file does not
// exist yet. It is idempotent and keeps comments and other settings; it
// returns an error and no bytes on input systemd would not load or values
// that cannot be written.
func (d DropIn) Edit(old []byte) ([]byte, error) {
	f, err := Parse(old)
	if err != nil {
		return nil, fmt.Errorf("edit drop-in: %w", err)
	}
	if err := d.apply(f); err != nil {
		return nil, fmt.Errorf("edit drop-in: %w", err)
	}
	return f.Bytes(), nil
}

func (d DropIn) apply(f *File) error {
	for _, name := range d.Unset {
		if err := f.UnsetEnv(name); err != nil {
			return err
		}
	}
	for _, kv := range d.Environment {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("%w: environment assignment without '=': %s", ErrUnwritable, quoted(name))
		}
		if err := f.SetEnv(name, value); err != nil {
			return err
		}
	}
	if d.ExecStart != nil {
		values := []string{""}
		for _, c := range d.ExecStart {
			v, err := FormatExec(c)
			if err != nil {
				return err
			}
			values = append(values, v)
		}
		if err := f.SetList(ServiceSection, "ExecStart", values); err != nil {
			return err
		}
	}
	return nil
}

// SetEnv makes the file's [Service] environment assign value to name. When
// it does already, nothing changes. Otherwise the last Environment= line
// that assigns name is rewritten in place when name is its only word; when
// it holds other words too, name's word is taken out of it and a line
// Environment="name=value" follows it; without any, that line goes after
// the last Environment= line (or at the end of [Service]). Other lines that
// assign name lose its word.
func (f *File) SetEnv(name, value string) error {
	kv := name + "=" + value
	line, err := FormatEnvironment(kv)
	if err != nil {
		return err
	}
	if err := checkLine("Environment", line); err != nil {
		return err
	}
	env, _ := f.Environment()
	if slices.Contains(env, kv) {
		return nil
	}
	last := -1
	for i, b := range f.blocks {
		if f.isKey(b, ServiceSection, "Environment") {
			if b.value == "" {
				last = -1 // a reset: the new line must come after it
			} else if _, changed := removeEnvWords(b.value, name); changed {
				last = i
			}
		}
	}
	if last < 0 {
		if err := f.UnsetEnv(name); err != nil {
			return err
		}
		return f.Add(ServiceSection, "Environment", line)
	}
	// Put the new line in place of (or after) the last one, then drop
	// name from the others.
	marker := f.blocks[last]
	rest, _ := removeEnvWords(marker.value, name)
	nb := f.newAssign(ServiceSection, "Environment", line)
	var repl []*block
	if rest != "" {
		kept := f.newAssign(ServiceSection, "Environment", rest)
		repl = append(repl, kept)
	}
	repl = append(repl, innerComments(marker)...)
	repl = append(repl, nb)
	f.blocks = slices.Concat(f.blocks[:last], repl, f.blocks[last+1:])
	skip := map[*block]bool{nb: true}
	return f.unsetEnv(name, skip)
}

// UnsetEnv removes every assignment of name from the file's [Service]
// Environment= lines, rewriting only the lines that assign it. A line whose
// words cannot be read is left alone (systemd drops its tail anyway).
func (f *File) UnsetEnv(name string) error {
	return f.unsetEnv(name, nil)
}

func (f *File) unsetEnv(name string, skip map[*block]bool) error {
	if !ValidName(name) {
		return fmt.Errorf("%w: environment variable name %s", ErrUnwritable, quoted(name))
	}
	out := f.blocks[:0:0]
	for _, b := range f.blocks {
		if skip[b] || !f.isKey(b, ServiceSection, "Environment") || b.value == "" {
			out = append(out, b)
			continue
		}
		value, changed := removeEnvWords(b.value, name)
		if !changed {
			out = append(out, b)
			continue
		}
		out = append(out, innerComments(b)...)
		if value == "" {
			continue
		}
		nb := f.newAssign(ServiceSection, "Environment", value)
		out = append(out, nb)
	}
	f.blocks = out
	return nil
}

// removeEnvWords removes from an Environment= value the words that assign
// name, keeping the other words' text as written.
func removeEnvWords(value, name string) (string, bool) {
	var keep []string
	changed := false
	for pos := 0; ; {
		w, next, ok, err := nextWord(value, pos, false)
		if err != nil {
			keep = append(keep, strings.TrimSpace(value[pos:]))
			break
		}
		if !ok {
			break
		}
		pos = next
		if n, _, _ := strings.Cut(w.text, "="); n == name {
			changed = true
			continue
		}
		keep = append(keep, value[w.start:w.end])
	}
	return strings.Join(keep, " "), changed
}

// SystemDir is where an administrator's units and drop-ins go, relative to
// the root: it takes precedence over the vendor's directories.
const SystemDir = "etc/systemd/system"

// DropInPath returns the path, relative to the root, of the drop-in called
// name (".conf" is added when missing) for unit in [SystemDir], where an
// administrator's drop-ins go:
// "etc/systemd/system/docker.service.d/http-proxy.conf".
func DropInPath(unit, name string) (string, error) {
	return DropInPathIn(SystemDir, unit, name)
}

// DropInPathIn is [DropInPath] for another of [UnitDirs], such as
// "run/systemd/system" for a drop-in that lasts until reboot.
func DropInPathIn(dir, unit, name string) (string, error) {
	if err := checkUnitName(unit); err != nil {
		return "", err
	}
	name = strings.TrimSuffix(name, ".conf")
	if name == "" || !validFilename(name+".conf") || !safeString(name) {
		return "", fmt.Errorf("%w: drop-in name %s", ErrUnitName, quoted(name))
	}
	if !slices.Contains(UnitDirs, dir) {
		return "", fmt.Errorf("%w: %s is not a unit directory", ErrUnitName, quoted(dir))
	}
	return dir + "/" + unit + ".d/" + name + ".conf", nil
}

// unitTypes are the unit type suffixes systemd knows.
var unitTypes = []string{".service", ".socket", ".target", ".device", ".mount", ".automount", ".swap", ".timer", ".path", ".slice", ".scope"}

// checkUnitName checks a unit name as systemd's unit_name_is_valid()
// does: "name.type", "name@instance.type" or the template "name@.type",
// with name made of ASCII letters, digits and ":-_.\\", the instance of
// those and '@' ("getty@tty@1.service": name "getty", instance "tty@1"), at
// most 255 bytes, and a known unit type.
func checkUnitName(unit string) error {
	bad := fmt.Errorf("%w: %s", ErrUnitName, quoted(unit))
	dot := strings.LastIndexByte(unit, '.')
	if len(unit) > 255 || dot <= 0 || !slices.Contains(unitTypes, unit[dot:]) {
		return bad
	}
	prefix, instance, templ := strings.Cut(unit[:dot], "@")
	if prefix == "" || !unitChars(prefix) || templ && !unitChars(strings.ReplaceAll(instance, "@", "")) {
		return bad
	}
	return nil
}

func unitChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":-_.\\", c) >= 0) {
			return false
		}
	}
	return true
}
