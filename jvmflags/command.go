package jvmflags

import (
	"github.com/proxykit/proxykit/internal/quote"
	"path"
	"slices"
	"strings"
)

// MainKind says how a Java command line names the program it runs.
type MainKind int

// The kinds of terminal a command line ends its launcher options with.
const (
	MainClass  MainKind = iota + 1 // java [options] com.example.Main args…
	JarFile                        // java [options] -jar app.jar args…
	Module                         // java [options] -m mod[/cls] args…, --module mod, --module=mod
	SourceFile                     // java [options] [--source N] Prog.java args…
)

func (k MainKind) String() string {
	switch k {
	case MainClass:
		return "main class"
	case JarFile:
		return "-jar"
	case Module:
		return "module"
	case SourceFile:
		return "source file"
	}
	return "unknown"
}

// Main is the terminal of a Java command line: the words that name what
// runs. Every word after it is an application argument, which the launcher
// passes on untouched (a -D there is the application's business, not the
// JVM's).
type Main struct {
	Kind  MainKind
	Value string // the class, jar file, module[/class] or source file
	Index int    // index in argv of the first word: "-jar", "-m", "--module=…", or the class or file itself
	End   int    // index in argv of the first application argument (len(argv) when none)
}

// Option is one launcher option before the terminal: a single word
// ("-Xmx2g", "-Dk=v", "--add-modules=a,b") or an option and its operand
// ("-cp", "a.jar:b.jar").
type Option struct {
	Index int      // index in argv of the first word
	Words []string // one or two words as written
}

// Name returns the option's name: "-D" for a system property, the part before
// "=" for a long option ("--add-opens=…" → "--add-opens"), and otherwise the
// first word ("-cp", "-Xmx2g", "-XX:+UseG1GC").
func (o Option) Name() string {
	w := o.Words[0]
	switch {
	case strings.HasPrefix(w, "-D"):
		return "-D"
	case strings.HasPrefix(w, "--"):
		name, _, _ := strings.Cut(w, "=")
		return name
	}
	return w
}

// Property returns the key and value of a -D option: "-Dk=v" → k, v;
// "-Dk" → k, "" (the JVM sets k to the empty string).
func (o Option) Property() (key, value string, ok bool) {
	w, ok := strings.CutPrefix(o.Words[0], "-D")
	if !ok || len(o.Words) != 1 {
		return "", "", false
	}
	key, value, _ = strings.Cut(w, "=")
	return key, value, key != ""
}

// Command is a Java command line analysed the way the java launcher (JDK 9
// and later) reads it: argv[0] the launcher, then launcher options, then the
// terminal ([Main]), then application arguments. It is immutable.
type Command struct {
	argv    []string
	options []Option
	main    Main
}

// launchers names the programs accepted as the java launcher (by base name).
// A wrapper (a shell, env, a start script, jsvc) is refused with [ErrNotJava].
var launchers = []string{"java", "java.exe"}

// shells are wrappers that are worth a specific hint.
var shells = []string{"sh", "bash", "dash", "zsh", "ksh", "ash", "busybox"}

// whitespaceOptions are the options the launcher reads with their operand in
// the next word (java.c IsWhiteSpaceOption, minus -m/--module which end the
// options). An operand is taken only when the next word does not start with
// "-" (java.c IsOptionWithArgument); otherwise the launcher fails.
var whitespaceOptions = []string{
	// launcher options
	"-cp", "-classpath", "--class-path", "-d", "--describe-module", "--source",
	// module options, passed to the VM as --name=value
	"-p", "--module-path", "--upgrade-module-path", "--add-modules",
	"--enable-native-access", "--limit-modules", "--add-exports",
	"--add-opens", "--add-reads", "--patch-module",
}

// stopOptions end the launcher's reading of options without running a
// program (java.c ParseArguments): the command line has no terminal.
var stopOptions = []string{
	"-help", "-h", "-?", "--help", "-version", "--version", "-X", "--help-extra",
	"-fullversion", "--full-version",
}

// exitOptions let the launcher read every option but then exit after
// describing, listing or validating modules, without running a program.
var exitOptions = []string{"-d", "--describe-module", "--list-modules", "--validate-modules"}

// ParseCommand analyses argv, a complete Java command line whose argv[0] is
// the java launcher (any path whose base name is java). It refuses a wrapper
// it cannot see into (sh -c "…", env, a start script) with [ErrNotJava], a
// command line that runs no program (no terminal, or -version, --help,
// --describe-module, --list-modules, …) with [ErrNoMain], an option missing
// its operand with [ErrOperand], an @argfile before the terminal with
// [ErrArgFile], and a whole-word "$NAME" where the main class would be with
// [ErrVariable]. Errors are *[CommandError].
//
// It follows the launcher of JDK 9 and later (libjli java.c and args.c): an
// option that takes a separate operand takes the next word only when that
// does not start with "-", so a class path starting with "-" (which JDK 8
// accepted) is refused. A word ending in ".java" is taken as a source file;
// the launcher also checks that the file exists.
//
// The launcher also reads options from the JDK_JAVA_OPTIONS environment
// variable, and the JVM from JAVA_TOOL_OPTIONS; neither is part of argv.
func ParseCommand(argv []string) (*Command, error) {
	if len(argv) == 0 {
		return nil, &CommandError{Index: 0, Err: ErrNotJava, Hint: "empty command line"}
	}
	if err := checkLauncher(argv[0]); err != nil {
		return nil, err
	}
	size := 0
	for i, a := range argv {
		size += len(a)
		if strings.IndexByte(a, 0) >= 0 {
			return nil, &CommandError{Index: i, Arg: display(a), Err: ErrValue}
		}
	}
	if size > maxInput {
		return nil, &CommandError{Index: 0, Arg: quote.Bounded(argv[0]), Err: ErrTooLong}
	}
	c := &Command{argv: slices.Clone(argv)}
	argv = c.argv
	jar := -1  // index of -jar
	exit := -1 // index of an option that makes the launcher exit early
	source := false
	i := 1
	for i < len(argv) && strings.HasPrefix(argv[i], "-") {
		a := argv[i]
		hasOperand := i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-")
		if exit < 0 && (slices.Contains(exitOptions, a) || strings.HasPrefix(a, "--describe-module=")) {
			exit = i
		}
		switch {
		case a == "-m" || a == "--module":
			if !hasOperand || argv[i+1] == "" {
				return nil, &CommandError{Index: i, Arg: a, Err: ErrOperand}
			}
			c.main = Main{Kind: Module, Value: argv[i+1], Index: i, End: i + 2}
			return c.finish(exit)
		case strings.HasPrefix(a, "--module="):
			if a == "--module=" {
				return nil, &CommandError{Index: i, Arg: a, Err: ErrOperand}
			}
			c.main = Main{Kind: Module, Value: strings.TrimPrefix(a, "--module="), Index: i, End: i + 1}
			return c.finish(exit)
		case slices.Contains(stopOptions, a):
			return nil, &CommandError{Index: i, Arg: a, Err: ErrNoMain, Hint: "the launcher stops at this option"}
		case slices.Contains(whitespaceOptions, a):
			if !hasOperand {
				return nil, &CommandError{Index: i, Arg: a, Err: ErrOperand}
			}
			if a == "--source" {
				source = true
			}
			c.options = append(c.options, Option{Index: i, Words: argv[i : i+2 : i+2]})
			i += 2
			continue
		case a == "-jar":
			if jar < 0 {
				jar = i
			}
		case strings.HasPrefix(a, "--source="):
			source = true
		}
		c.options = append(c.options, Option{Index: i, Words: argv[i : i+1 : i+1]})
		i++
	}
	if i >= len(argv) {
		if jar >= 0 {
			return nil, &CommandError{Index: jar, Arg: "-jar", Err: ErrOperand}
		}
		return nil, &CommandError{Index: len(argv) - 1, Arg: display(argv[len(argv)-1]), Err: ErrNoMain}
	}
	if jar < 0 && isVariable(argv[i]) {
		return nil, &CommandError{Index: i, Arg: quote.Bounded(argv[i]), Err: ErrVariable,
			Hint: "its words are known only when the service starts; for a systemd unit use Patch.ExecStart"}
	}
	switch {
	case jar >= 0:
		c.main = Main{Kind: JarFile, Value: argv[i], Index: jar, End: i + 1}
	case source || strings.HasSuffix(argv[i], ".java"):
		c.main = Main{Kind: SourceFile, Value: argv[i], Index: i, End: i + 1}
	default:
		c.main = Main{Kind: MainClass, Value: argv[i], Index: i, End: i + 1}
	}
	return c.finish(exit)
}

// finish checks for @argfiles among the words the launcher expands: every
// word before the first application argument, up to --disable-@files
// (libjli args.c).
func (c *Command) finish(exit int) (*Command, error) {
	if exit >= 0 {
		return nil, &CommandError{Index: exit, Arg: quote.Bounded(c.argv[exit]), Err: ErrNoMain, Hint: "the launcher exits after this option without running a program"}
	}
	for i := 1; i < c.main.End; i++ {
		a := c.argv[i]
		if a == "--disable-@files" {
			break
		}
		if len(a) > 1 && a[0] == '@' && a[1] != '@' {
			return nil, &CommandError{Index: i, Arg: quote.Bounded(a), Err: ErrArgFile,
				Hint: "move the options out of the file, or set the properties in JAVA_TOOL_OPTIONS"}
		}
	}
	return c, nil
}

func checkLauncher(prog string) error {
	base := path.Base(prog)
	if slices.Contains(launchers, base) {
		return nil
	}
	e := &CommandError{Index: 0, Arg: quote.Bounded(prog), Err: ErrNotJava}
	switch {
	case slices.Contains(shells, base):
		e.Hint = "a shell runs the java command, so its words cannot be edited here; set the properties in JAVA_TOOL_OPTIONS in the unit's environment"
	case base == "env":
		e.Hint = "env starts the java command; write the command with java as argv[0], or set JAVA_TOOL_OPTIONS"
	case strings.HasSuffix(base, ".sh") || strings.HasSuffix(base, ".bash"):
		e.Hint = "a start script builds the java command; set the properties in JAVA_TOOL_OPTIONS (or the script's own JAVA_OPTS) in the unit's environment"
	default:
		e.Hint = "argv[0] must be the java launcher; for a start script or other wrapper set the properties in JAVA_TOOL_OPTIONS in the unit's environment"
	}
	return e
}

// Argv returns a copy of the command line.
func (c *Command) Argv() []string { return slices.Clone(c.argv) }

// Launcher returns argv[0].
func (c *Command) Launcher() string { return c.argv[0] }

// Options returns the launcher options before the terminal, in order. Options
// between -jar and its file are included.
func (c *Command) Options() []Option {
	out := make([]Option, len(c.options))
	for i, o := range c.options {
		out[i] = Option{Index: o.Index, Words: slices.Clone(o.Words)}
	}
	return out
}

// Main returns the terminal.
func (c *Command) Main() Main { return c.main }

// Args returns the application arguments, which are never edited.
func (c *Command) Args() []string { return slices.Clone(c.argv[c.main.End:]) }

// Property returns the value the JVM gives key from this command line: the
// last -Dkey=value or -Dkey among the launcher options.
func (c *Command) Property(key string) (value string, ok bool) {
	for _, o := range c.options {
		if k, v, isProp := o.Property(); isProp && k == key {
			value, ok = v, true
		}
	}
	return value, ok
}

// isVariable reports whether w is a whole-word "$NAME" reference, which
// systemd (and a shell) split into words when the command runs.
func isVariable(w string) bool {
	if len(w) < 2 || w[0] != '$' || w[1] >= '0' && w[1] <= '9' {
		return false
	}
	for i := 1; i < len(w); i++ {
		c := w[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// display shortens a word for an error: a -D word shows only its key, since
// its value may be a secret (a trust store password).
func display(w string) string {
	if k, _, ok := strings.Cut(w, "="); ok && strings.HasPrefix(w, "-D") {
		w = k + "=…"
	}
	return quote.Bounded(strings.ReplaceAll(w, "\x00", `\0`))
}
