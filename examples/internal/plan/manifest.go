package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/internal/quote"
)

// manifestVersion is the manifest format written by this package.
const manifestVersion = 1

// A manifest records what the engine changed under a root, so that Undo can
// put it back. There is one manifest per root, and it accumulates: a file
// keeps the state it had before the first apply that changed it, and Undo
// returns the root to how it was before proxykit first touched it, however
// many applies came between. (One manifest per run would make undo return
// to the state before the last run only, which is rarely what "take it
// back" means, and a chain of them breaks when one is lost.)
type manifest struct {
	Version int             `json:"version"`
	Files   []manifestEntry `json:"files"`
	// Dirs are the directories created for files, in creation order.
	Dirs []string `json:"dirs,omitempty"`
	// Own are the directories created to hold the manifest itself.
	Own []string `json:"own,omitempty"`
	// Actions are every action the files may trigger, in plan order.
	Actions []Action `json:"actions,omitempty"`
	// Runs counts the runs committed: a run's journal holds the number
	// the manifest gets when the run commits.
	Runs int `json:"runs,omitempty"`
	// Pending names the actions whose files changed and that have not run
	// yet: recorded before the files are written, cleared once they ran, so
	// a crash or a failed action never loses one.
	Pending []string `json:"pending,omitempty"`
}

type manifestEntry struct {
	Path    string      `json:"path"` // resolved, root-relative
	Existed bool        `json:"existed"`
	Old     []byte      `json:"old,omitempty"`
	Mode    fs.FileMode `json:"mode,omitempty"`
	UID     int         `json:"uid"`
	GID     int         `json:"gid"`
	// Wrote holds the SHA-256 of every content the engine wrote, so that
	// Undo can tell its own writes from someone else's.
	Wrote []string `json:"wrote"`
	// Now is the SHA-256 of the content the last apply left in the file:
	// what verify expects to find.
	Now     string   `json:"now,omitempty"`
	Actions []string `json:"actions,omitempty"`
	// Why is the last apply's reasons for the file ([Change.Why]): what
	// verify names besides the path (which store, which consumer).
	Why []string `json:"why,omitempty"`
	// MTime is the file's modification time before the first apply, which
	// undo restores.
	MTime time.Time `json:"mtime,omitzero"`
	// Links is the number of hard links the file had before the first
	// apply: more than one were split by the apply's rename.
	Links uint64 `json:"links,omitempty"`
}

func (m *manifest) entry(p string) *manifestEntry {
	for i := range m.Files {
		if m.Files[i].Path == p {
			return &m.Files[i]
		}
	}
	return nil
}

func (e *manifestEntry) wrote(data []byte) bool {
	return slices.Contains(e.Wrote, digest(data))
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// loadManifest reads the manifest; a missing one is nil without error.
func (t *Target) loadManifest() (*manifest, error) {
	r, err := t.resolve(t.manifest)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", t.manifest, err)
	}
	st, err := t.read(r.real)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", t.manifest, err)
	}
	if !st.exists {
		return nil, nil
	}
	m, err := parseManifest(st.data)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", t.manifest, err)
	}
	return m, nil
}

// parseManifest decodes and checks a manifest. Its errors never quote the
// file's content, which holds old files' bytes.
func parseManifest(data []byte) (*manifest, error) {
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("invalid JSON at byte %d", se.Offset)
		}
		return nil, errors.New("invalid manifest")
	}
	if dec.More() {
		return nil, errors.New("invalid manifest: data after the object")
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("unknown version %d", m.Version)
	}
	for i := range m.Files {
		e := &m.Files[i]
		if e.Existed && e.Old == nil {
			e.Old = []byte{}
		}
		if !e.Existed && e.Old != nil {
			return nil, fmt.Errorf("%s: old content of a file that did not exist", quote.Bounded(e.Path))
		}
		if e.Mode&^modeBits != 0 {
			return nil, fmt.Errorf("%s: mode %v", quote.Bounded(e.Path), e.Mode)
		}
		if _, err := cleanPath(e.Path); err != nil || strings.HasPrefix(e.Path, "/") {
			return nil, fmt.Errorf("file %q: %w", quote.Bounded(e.Path), ErrBadPath)
		}
	}
	for _, d := range append(slices.Clone(m.Dirs), m.Own...) {
		if _, err := cleanPath(d); err != nil || strings.HasPrefix(d, "/") {
			return nil, fmt.Errorf("directory %q: %w", quote.Bounded(d), ErrBadPath)
		}
	}
	return &m, nil
}

// storeManifest writes m atomically (see storeState).
func (t *Target) storeManifest(m *manifest) error {
	r, err := t.resolve(t.manifest)
	if err != nil {
		return fmt.Errorf("write manifest %s: %w", t.manifest, err)
	}
	if err := t.storeState(r, func(own []string) ([]byte, error) {
		if own != nil {
			m.Own = own
		}
		return marshalState(m)
	}); err != nil {
		return fmt.Errorf("write manifest %s: %w", t.manifest, err)
	}
	_ = t.at("manifest-written", r.real)
	return nil
}

func marshalState(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "\t")
	return append(b, '\n'), err
}

// storeState writes one of the engine's state files (the manifest, the
// journal) at r, 0600 in a 0700 directory. When the directory is missing,
// the directories are built under a temporary name with the file inside
// and renamed into place in one step, so a crash never leaves state
// directories that no state file records; data is then given the
// directories it creates, to record them.
func (t *Target) storeState(r resolved, data func(own []string) ([]byte, error)) error {
	if len(r.missing) == 0 {
		b, err := data(nil)
		if err == nil {
			err = t.write(r.real, b, 0o600, -1, -1)
		}
		return err
	}
	top := r.missing[0]
	tmp := tempName(top)
	under := func(p string) string { return tmp + strings.TrimPrefix(p, top) }
	if err := t.root.RemoveAll(tmp); err != nil {
		return unwrapPathError(err)
	}
	for _, d := range r.missing {
		mode := fs.FileMode(0o755)
		if d == path.Dir(r.real) {
			mode = 0o700
		}
		if err := t.mkdirMode(under(d), mode); err != nil {
			return unwrapPathError(err)
		}
	}
	b, err := data(slices.Clone(r.missing))
	if err != nil {
		return err
	}
	if err := t.write(under(r.real), b, 0o600, -1, -1); err != nil {
		return err
	}
	if err := t.root.Rename(tmp, top); err != nil {
		return unwrapPathError(err)
	}
	return t.syncDir(path.Dir(top))
}

// removeManifest deletes the manifest and the directories created for it.
func (t *Target) removeManifest(m *manifest) error {
	r, err := t.resolve(t.manifest)
	if err != nil {
		return fmt.Errorf("remove manifest %s: %w", t.manifest, err)
	}
	if err := t.removeState(r.real, m.Own); err != nil {
		return fmt.Errorf("remove manifest %s: %w", t.manifest, err)
	}
	return nil
}

// removeState deletes the state file real and the directories own created
// for it. When those directories hold nothing else, they go in one rename
// (then are deleted under their temporary name, which [Target.cleanStale]
// finishes after a crash); otherwise the file goes, and each directory
// created for it if it is empty.
func (t *Target) removeState(real string, own []string) error {
	if len(own) > 0 && t.ownOnly(own, real) {
		top := own[0]
		tmp := tempName(top)
		if err := t.root.RemoveAll(tmp); err != nil {
			return unwrapPathError(err)
		}
		if err := t.root.Rename(top, tmp); err != nil {
			return unwrapPathError(err)
		}
		if err := t.syncDir(path.Dir(top)); err != nil {
			return err
		}
		_ = t.at("removed", real)
		if err := t.root.RemoveAll(tmp); err != nil {
			return unwrapPathError(err)
		}
		return nil
	}
	if err := t.remove(real); err != nil {
		return err
	}
	t.removeDirs(own)
	return nil
}

// ownOnly reports whether the directories own (outermost first) hold
// nothing but each other, the manifest at real and its temporary file.
func (t *Target) ownOnly(own []string, real string) bool {
	if path.Dir(real) != own[len(own)-1] {
		return false
	}
	for i, d := range own {
		allowed := map[string]bool{}
		if i+1 < len(own) {
			if path.Dir(own[i+1]) != d {
				return false
			}
			allowed[path.Base(own[i+1])] = true
		} else {
			allowed[path.Base(real)] = true
			allowed[path.Base(tempName(real))] = true
		}
		f, err := t.root.Open(d)
		if err != nil {
			return false
		}
		names, err := f.Readdirnames(-1)
		f.Close()
		if err != nil {
			return false
		}
		for _, n := range names {
			if !allowed[n] {
				return false
			}
		}
	}
	return true
}

// cleanStale removes what a crashed run may have left of the manifest's
// directories under their temporary name: they were being created or
// removed, and are missing under their real name. Only the engine makes
// that name, and it holds the lock.
func (t *Target) cleanStale() error {
	r, err := t.resolve(t.manifest)
	if err != nil || len(r.missing) == 0 {
		return nil // reported where the manifest is read or written
	}
	tmp := tempName(r.missing[0])
	if _, err := t.root.Lstat(tmp); err != nil {
		return nil
	}
	if err := t.root.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove stale %s: %w", tmp, unwrapPathError(err))
	}
	return nil
}

// removeDirs removes dirs, innermost first, keeping any that is not empty
// or not a directory; it returns those it removed.
func (t *Target) removeDirs(dirs []string) []string {
	var removed []string
	for _, d := range slices.Backward(dirs) {
		fi, err := t.root.Lstat(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil || !fi.IsDir() {
			continue
		}
		if err := t.root.Remove(d); err == nil {
			removed = append(removed, d)
			_ = t.syncDir(path.Dir(d))
		}
	}
	return removed
}
