package plan

// SetHook installs a function the engine calls at each named point of Apply
// and Undo ("locked", "temp-created", "temp-synced", "renamed",
// "manifest-written", "files-written", "action") with the file or action
// concerned. Crash tests stop the process there; an error returned at
// "temp-created" or "temp-synced" fails that write, as a full disk would.
func SetHook(t *Target, h func(point, path string) error) { t.hook = h }

// TempName is the temporary file the engine writes beside real.
var TempName = tempName
