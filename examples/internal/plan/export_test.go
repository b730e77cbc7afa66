package plan

// SetHook installs a function the engine calls at each named point of Apply
// and Undo ("locked", "journal-written", "temp-created", "temp-synced",
// "renamed", "mode-set", "removed", "files-written", "manifest-written",
// "journal-removed", "action") with the file or action concerned: every
// file operation passes one, so a test that stops the process at the Nth
// point, for every N, kills the run at every write. Crash tests stop the process there; an error returned at
// "temp-created" or "temp-synced" fails that write, as a full disk would.
func SetHook(t *Target, h func(point, path string) error) { t.hook = h }

// TempName is the temporary file the engine writes beside real.
var TempName = tempName

// NoSync turns off fsync for t, to keep tests that write thousands of files
// fast on a busy machine. SIGKILL crash tests do not need it: the kernel
// keeps what was written when a process dies; fsync only matters when the
// machine does.
func NoSync(t *Target) { t.noSync = true }
