// Package systemdunit reads systemd unit files and drop-ins exactly as
// systemd 252 reads them, and edits them without losing the user's
// formatting.
//
// Reach first for:
//
//   - [Parse] to read a unit or drop-in; [File.Bytes] writes it back byte for
//     byte until an edit.
//   - [File.Environment] and [File.Commands] for the effective view systemd
//     computes: the [Service] Environment= assignments and the commands of
//     ExecStart= (or any key in [ExecKeys]).
//   - [DropIn] and its [DropIn.Edit] method to write the drop-in that sets
//     environment variables or replaces ExecStart= (with the reset line
//     first), at the path [DropInPath] gives.
//   - [FormatEnvironment] and [FormatExec] to turn values into the quoted
//     text systemd reads back unchanged: '%' as "%%", '$' as "$$" in command
//     lines, whole-word double quotes, C escapes.
//
// The writer emits only what every systemd since 219 reads the same: one
// assignment per line, whole-word double quotes, physical lines shorter than
// 2048 bytes. Edits ([File.Set], [File.Add], [File.SetList], [File.Remove],
// [File.SetEnv]) change only the lines they must and keep comments.
package systemdunit
