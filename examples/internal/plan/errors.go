package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/internal/rootfs"
)

// Conditions callers may branch on with [errors.Is].
var (
	// ErrInvalidPlan: a step or action is malformed (no edit, unknown
	// action, duplicate action name).
	ErrInvalidPlan = errors.New("invalid plan")
	// ErrBadPath: a step's path is empty, has "." or ".." elements or
	// names the engine's state directory.
	ErrBadPath = errors.New("bad path")
	// ErrNotRegular: a path names a directory, device, socket or other
	// non-regular file, or goes through a file as if it were a directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooManyLinks: resolving a path followed too many symbolic links.
	ErrTooManyLinks = rootfs.ErrTooManyLinks
	// ErrTooLarge: a file is larger than the engine reads.
	ErrTooLarge = errors.New("file too large")
	// ErrNotIdempotent: an edit applied to its own output changed it again.
	ErrNotIdempotent = errors.New("edit is not idempotent")
	// ErrStale: a file changed between computing the changes and applying
	// them; compute again.
	ErrStale = errors.New("file changed since the plan was computed")
	// ErrLocked: another run holds the root's lock and did not release it
	// in time.
	ErrLocked = errors.New("root is locked by another run")
	// ErrNoManifest: there is nothing to undo.
	ErrNoManifest = errors.New("no manifest: nothing to undo")
	// ErrModified: a file changed since the engine wrote it; undo leaves
	// it unless forced, which keeps that version beside it.
	ErrModified = errors.New("file modified since it was applied")
	// ErrSkipped is returned by a [Runner] that does not run actions
	// ([NoActions]); the report lists those actions as skipped.
	ErrSkipped = errors.New("action skipped")
)

// A FileError is a failure on one file: reading, resolving, editing,
// writing or restoring it.
type FileError struct {
	Path string // the path as the step named it
	Op   string // "plan", "read", "edit", "write", "undo", …
	Err  error
}

func (e *FileError) Error() string { return e.Op + " " + e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// An ApplyError reports a write that failed during Apply or Undo. A run
// is all or nothing: the files written before the failure were put back
// (RolledBack), and nothing changed — unless Rollback says that putting
// some back failed too, in which case the run's journal stays and the next
// run finishes the rollback.
type ApplyError struct {
	Op         string   // "apply" or "undo"
	Path       string   // the file that could not be written
	RolledBack []string // files written by the run and put back
	Rollback   error    // why putting back failed; nil when nothing changed
	Err        error
}

func (e *ApplyError) Error() string {
	var b strings.Builder
	op := e.Op
	if op == "" {
		op = "apply"
	}
	fmt.Fprintf(&b, "%s %s: %v", op, e.Path, e.Err)
	if e.Rollback == nil {
		b.WriteString("; nothing changed")
		if len(e.RolledBack) > 0 {
			fmt.Fprintf(&b, " (put back %s)", strings.Join(e.RolledBack, ", "))
		}
		return b.String()
	}
	fmt.Fprintf(&b, "; put back %s, but not all: %v; the next run puts back the rest", listOrNone(e.RolledBack), e.Rollback)
	return b.String()
}

func (e *ApplyError) Unwrap() error { return e.Err }

// An ActionError is a follow-up action that failed. Output holds its
// combined output, bounded.
type ActionError struct {
	Action Action
	Output []byte
	Err    error
}

func (e *ActionError) Error() string {
	msg := fmt.Sprintf("action %s (%s): %v", e.Action.Name, strings.Join(e.Action.Argv, " "), e.Err)
	if out := strings.TrimSpace(string(e.Output)); out != "" {
		msg += ": " + lastLine(out)
	}
	return msg
}

func (e *ActionError) Unwrap() error { return e.Err }

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return quote.Bounded(s)
}
