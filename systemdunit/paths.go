package systemdunit

// UnitDirs lists the directories, relative to the root, in which systemd
// 252 looks for system units and their drop-ins, highest precedence first
// (generator directories left out). A unit file in an earlier directory
// hides one of the same name in a later one; a drop-in in an earlier
// directory hides a drop-in of the same file name in a later one. Tests and
// other layouts may replace it.
var UnitDirs = []string{
	"etc/systemd/system.control",
	"run/systemd/system.control",
	"run/systemd/transient",
	"etc/systemd/system",
	"etc/systemd/system.attached",
	"run/systemd/system",
	"run/systemd/system.attached",
	"usr/local/lib/systemd/system",
	"lib/systemd/system",
	"usr/lib/systemd/system",
}

// dropInNames returns the names whose "<name>.d" directories hold drop-ins
// for unit, most specific first: the unit, its template, the prefixes of a
// dashed name ("foo-bar-.service" before "foo-.service"), and the unit type
// ("service").
func dropInNames(unit string) []string {
	names := []string{unit}
	prefix, instance, suffix := splitUnitName(unit)
	if instance != "" {
		names = append(names, prefix+"@"+suffix)
	}
	for i := len(prefix) - 1; i > 0; i-- {
		if prefix[i] == '-' {
			names = append(names, prefix[:i+1]+suffix)
		}
	}
	if suffix != "" {
		names = append(names, suffix[1:])
	}
	return names
}

// DropInDirs returns the directories, relative to the root, whose "*.conf"
// files are drop-ins for unit, in precedence order: by [UnitDirs] first,
// then from the most specific name to the least (see [Load]).
func DropInDirs(unit string) []string {
	var dirs []string
	for _, d := range UnitDirs {
		for _, n := range dropInNames(unit) {
			dirs = append(dirs, d+"/"+n+".d")
		}
	}
	return dirs
}

// fragmentNames returns the file names that may hold the unit itself:
// the unit's name, then its template for an instance.
func fragmentNames(unit string) []string {
	names := []string{unit}
	if prefix, instance, suffix := splitUnitName(unit); instance != "" {
		names = append(names, prefix+"@"+suffix)
	}
	return names
}
