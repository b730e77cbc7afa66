// Package systemdunit reads systemd unit files and drop-ins exactly as
// systemd 252 reads them, and edits them without losing the user's
// formatting.
//
// Reach first for:
//
//   - [Parse] to read a unit or drop-in; [File.Bytes] writes it back byte for
//     byte until an edit.
//   - [File.Environment] and [File.Commands] for the effective view systemd
//     computes: the [Service] Environment= assignments as KEY=value, and the
//     commands of ExecStart= (or any key in [ExecKeys]) with their prefixes
//     and argv.
//   - [Load] to read a unit with its drop-ins from a root file system in
//     systemd's order of precedence, or [Merge] for files already read; the
//     resulting [Unit] has the same Environment and Commands.
//   - [Unit.Effective] for the environment and command systemd gives the
//     service, each value with the file that sets it last: Environment=
//     lines in drop-in precedence, then the EnvironmentFile= files (read
//     under the root, parsed by [ParseEnvironmentFile]), which override
//     them. [Unit.WithDropIn] shows the unit as it will read once a planned
//     drop-in is written.
//   - [DropIn] and its [DropIn.Edit] method to write the drop-in that sets
//     environment variables or replaces ExecStart= (with the reset line
//     first), at the path [DropInPath] gives.
//   - [FormatEnvironment] and [FormatExec] to turn values into the quoted
//     text systemd reads back unchanged: '%' as "%%", '$' as "$$" in command
//     lines, whole-word double quotes, C escapes; [ParseEnvironment] and
//     [ParseExec] read one such value back.
//   - [Affected] to learn which units of a node planned files reach (as a
//     unit file, a drop-in or an EnvironmentFile=) and which of them must
//     restart because their effective environment or start commands change,
//     with the reason; [Compare] for units already loaded.
//
// # Reading
//
// The reader follows systemd 252: lines end at LF, CR, CRLF, LFCR or NUL; a
// UTF-8 byte order mark is skipped; a line ending in an odd number of
// backslashes continues on the next, the backslash becoming a space, and
// comment lines ('#' or ';' first) inside a continuation are skipped; a '#'
// after a value is part of the value. Words are split at white space, quotes
// may start anywhere in a word, C escapes are decoded (an unknown escape
// drops the rest of an Environment= line but is kept as written in a command
// word, where it makes the executable's path invalid), and specifiers are
// resolved ("%%" is "%"; a '%' at the end or before a character that is no
// letter or digit stays as written; an unknown specifier letter drops the
// word, or makes a command a bad setting). Parse fails with [ErrSyntax]
// where systemd refuses the whole file: an invalid section header, a line
// that is not UTF-8 (comments apart; after a byte order mark, '#' starts no
// comment), a line longer than [MaxLine]. [File.Commands], [Unit.Check] and
// friends fail with [ErrBadSetting] where systemd refuses to load the unit
// for a setting: an executable path with an unknown escape or a trailing
// backslash, prefixes without a path. Both errors are a [*ParseError] naming
// file and line. What systemd only warns about is reported by
// [File.Problems].
//
// # Writing
//
// The writer emits only what every systemd since 219 reads the same: one
// assignment per line, whole-word double quotes, physical lines shorter than
// 2048 bytes (a longer value is continued at a space). Edits ([File.Set],
// [File.Add], [File.SetList], [File.Remove], [File.SetEnv], [File.UnsetEnv])
// change only the lines they must, keep comments and line endings, lay a
// replaced multi-line command out as the old one was, and are idempotent.
//
// # Variables in commands
//
// In [Command.Argv], "$$" is one literal "$" (unless the ":" prefix turns
// substitution off), and references to environment variables ("$NAME" as a
// whole word, "${NAME}" anywhere) are kept as written and named in
// [Command.Vars]; [FormatExec] writes those references back and escapes
// every other '$'.
package systemdunit
