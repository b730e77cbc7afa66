package plan

// SetHook installs a function the engine calls at each named point of Apply
// and Undo ("locked", "temp-created", "temp-synced", "renamed",
// "manifest-written", "files-written", "action"). Crash tests stop there.
func SetHook(t *Target, h func(point string)) { t.hook = h }

// TempName is the temporary file the engine writes beside real.
var TempName = tempName
