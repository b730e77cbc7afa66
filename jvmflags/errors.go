package jvmflags

import (
	"errors"
	"fmt"
)

// Errors callers can branch on with [errors.Is]. Command-line errors come
// wrapped in a *[CommandError], JAVA_TOOL_OPTIONS errors in a
// *[ToolOptionsError].
var (
	// ErrNotJava: argv[0] is not the java launcher but a shell, a start
	// script or another wrapper whose words this package cannot see into.
	ErrNotJava = errors.New("not a java launcher command line")
	// ErrNoMain: the command line has no main class, -jar file, module or
	// source file, or it stops before one (-version, --help, …).
	ErrNoMain = errors.New("no main class, -jar, -m or source file")
	// ErrOperand: an option that takes a separate operand (-cp, -p,
	// --add-opens, …) has none.
	ErrOperand = errors.New("option needs an operand")
	// ErrArgFile: an @argfile the launcher would expand in place, so the
	// options it holds (and possibly the main class) are invisible here.
	ErrArgFile = errors.New("@argfile hides launcher options")
	// ErrVariable: a whole word "$NAME" where the main class would be: an
	// unexpanded variable reference, such as systemd's $JAVA_OPTS, whose
	// words are not known until the service starts. For a systemd unit use
	// [Patch.ExecStart], which reads such references as options.
	ErrVariable = errors.New("unexpanded variable reference")
	// ErrKey: a property key that is empty or holds '=' or NUL.
	ErrKey = errors.New("invalid property key")
	// ErrValue: a property value or option that holds NUL, which no command
	// line or environment variable can carry.
	ErrValue = errors.New("value holds a NUL byte")
	// ErrQuote: JAVA_TOOL_OPTIONS with a quote that is never closed; the JVM
	// refuses to start.
	ErrQuote = errors.New("unmatched quote")
	// ErrTooLong: input longer than this package reads.
	ErrTooLong = errors.New("input too long")
	// ErrExecStart: a unit whose ExecStart= is not exactly one command.
	ErrExecStart = errors.New("unit does not have exactly one ExecStart= command")
	// ErrProxyScheme: a proxy Java's http.proxyHost cannot use (TLS to the
	// proxy, SOCKS).
	ErrProxyScheme = errors.New("proxy scheme java cannot use as an HTTP proxy")
	// ErrNoKeystore: a service whose JVM's keystore cannot be found (no
	// java command line or JAVA_HOME, or no cacerts under its JRE).
	ErrNoKeystore = errors.New("no keystore found for the JVM")
)

// maxInput bounds the command lines and JAVA_TOOL_OPTIONS values read here
// (Linux limits one argument to 128 KiB and a whole command line to about
// 2 MiB; a service's command line is far smaller).
const maxInput = 1 << 20

// CommandError reports where a Java command line could not be read.
type CommandError struct {
	Index int    // index in argv of the word concerned
	Arg   string // that word, shortened for display
	Hint  string // what to do instead, "" when there is nothing to add
	Err   error  // one of the Err… sentinels
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("argv[%d] %q: %v", e.Index, e.Arg, e.Err)
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// ToolOptionsError reports where a JAVA_TOOL_OPTIONS value could not be read
// or written.
type ToolOptionsError struct {
	Offset int    // byte offset in the value (parse) or index of the option (format)
	Near   string // a bounded piece of the option there, never past its first '=' (a value may be a secret)
	Err    error  // one of the Err… sentinels
}

func (e *ToolOptionsError) Error() string {
	return fmt.Sprintf("JAVA_TOOL_OPTIONS at %d near %q: %v", e.Offset, e.Near, e.Err)
}

func (e *ToolOptionsError) Unwrap() error { return e.Err }
