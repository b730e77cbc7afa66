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
	Wrote   []string `json:"wrote"`
	Actions []string `json:"actions,omitempty"`
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
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(st.data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", t.manifest, err)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("read manifest %s: unknown version %d", t.manifest, m.Version)
	}
	for i := range m.Files {
		if m.Files[i].Existed && m.Files[i].Old == nil {
			m.Files[i].Old = []byte{}
		}
		if _, err := cleanPath(m.Files[i].Path); err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", t.manifest, err)
		}
	}
	for _, d := range append(slices.Clone(m.Dirs), m.Own...) {
		if _, err := cleanPath(d); err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", t.manifest, err)
		}
	}
	return &m, nil
}

// storeManifest writes m atomically, creating its directory (0700) and
// recording the directories it created.
func (t *Target) storeManifest(m *manifest) error {
	r, err := t.resolve(t.manifest)
	if err != nil {
		return fmt.Errorf("write manifest %s: %w", t.manifest, err)
	}
	for _, d := range r.missing {
		mode := fs.FileMode(0o755)
		if d == path.Dir(r.real) {
			mode = 0o700
		}
		if err := t.mkdir(d, mode); err != nil {
			return fmt.Errorf("write manifest %s: %w", t.manifest, err)
		}
		if !slices.Contains(m.Own, d) {
			m.Own = append(m.Own, d)
		}
	}
	data, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		return fmt.Errorf("write manifest %s: %w", t.manifest, err)
	}
	if err := t.write(r.real, append(data, '\n'), 0o600, -1, -1); err != nil {
		return fmt.Errorf("write manifest %s: %w", t.manifest, err)
	}
	t.at("manifest-written")
	return nil
}

// removeManifest deletes the manifest and the directories created for it,
// when empty.
func (t *Target) removeManifest(m *manifest) ([]string, error) {
	r, err := t.resolve(t.manifest)
	if err != nil {
		return nil, fmt.Errorf("remove manifest %s: %w", t.manifest, err)
	}
	if err := t.remove(r.real); err != nil {
		return nil, fmt.Errorf("remove manifest %s: %w", t.manifest, err)
	}
	return t.removeDirs(m.Own), nil
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
