package plan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"
	"time"
)

// maxFileSize bounds what the engine reads into memory. The largest files
// it edits are Java keystores of a few hundred KiB.
const maxFileSize = 64 << 20

// modeBits are the mode bits the engine keeps and restores.
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// state is a file's content and metadata as read under the root.
type state struct {
	exists   bool
	data     []byte // non-nil when exists
	mode     fs.FileMode
	uid, gid int
	mtime    time.Time // modification time
	nlink    uint64    // hard links to the file; more than 1 is split by a write
}

// read reads the regular file at real, a resolved path. A missing file is
// not an error. The open does not block on a FIFO; the file's type is
// checked on the open descriptor, and it must be the file real names, not
// a link to one (os.Root would follow a link inside the root, whatever the
// flags say).
func (t *Target) read(real string) (state, error) {
	f, err := t.root.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return state{}, nil
	}
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENOTDIR) {
			return state{}, ErrNotRegular
		}
		return state{}, unwrapPathError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return state{}, unwrapPathError(err)
	}
	if !fi.Mode().IsRegular() {
		return state{}, ErrNotRegular
	}
	if lfi, err := t.root.Lstat(real); err != nil || !os.SameFile(fi, lfi) {
		return state{}, ErrNotRegular
	}
	if fi.Size() > maxFileSize {
		return state{}, ErrTooLarge
	}
	data := make([]byte, 0, fi.Size()+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return state{}, unwrapPathError(err)
		}
		if len(data) > maxFileSize {
			return state{}, ErrTooLarge
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
	s := state{exists: true, data: data, mode: fi.Mode() & modeBits, mtime: fi.ModTime()}
	s.uid, s.gid = owner(fi)
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.nlink = uint64(st.Nlink)
	}
	return s, nil
}

func owner(fi fs.FileInfo) (uid, gid int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return -1, -1
}

// tempName is the temporary file written beside real. The name is fixed so
// that a run killed between creating and renaming it leaves one stale file,
// which the next write of real removes (writes hold the root's lock).
func tempName(real string) string {
	dir, base := path.Split(real)
	return dir + "." + base + tempSuffix
}

// tempSuffix ends every temporary name.
const tempSuffix = ".proxykit-tmp"

// write replaces real atomically: an exclusive temporary file beside it,
// created 0600 at most, written, given its owner when uid >= 0, synced,
// closed, renamed over real, then the directory synced. A reader, or a
// crash, sees the old content or the new, never a mix.
//
// The temporary file is never readable by more than its owner: a mode
// wider than 0600 is set on the open file after the rename, so a temporary
// file left by a crash never shows a secret to other users. (A crash
// between the rename and the chmod leaves the new file 0600; the run's
// journal puts the old one back.)
func (t *Target) write(real string, data []byte, mode fs.FileMode, uid, gid int) error {
	tmp := tempName(real)
	if err := t.root.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale temporary file: %w", unwrapPathError(err))
	}
	// O_CREATE|O_EXCL never follows a link.
	f, err := t.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm()&0o600)
	if err != nil {
		return fmt.Errorf("create temporary file: %w", unwrapPathError(err))
	}
	defer f.Close()
	fail := func(err error) error {
		t.root.Remove(tmp)
		return err
	}
	if err := t.at("temp-created", real); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(fmt.Errorf("write: %w", unwrapPathError(err)))
	}
	if uid >= 0 {
		if fi, err := f.Stat(); err == nil {
			if u, g := owner(fi); u != uid || g != gid {
				if err := f.Chown(uid, gid); err != nil {
					return fail(fmt.Errorf("keep owner: %w", unwrapPathError(err)))
				}
			}
		}
	}
	// Within 0600 the mode is final before the rename (chown may have
	// cleared set-id bits: set it again); wider, it is set after.
	narrow := mode&^0o600 == 0
	if narrow {
		if err := f.Chmod(mode); err != nil {
			return fail(fmt.Errorf("set mode: %w", unwrapPathError(err)))
		}
	}
	if err := t.sync(f); err != nil {
		return fail(fmt.Errorf("sync: %w", unwrapPathError(err)))
	}
	if err := t.at("temp-synced", real); err != nil {
		return fail(err)
	}
	if err := t.root.Rename(tmp, real); err != nil {
		return fail(fmt.Errorf("rename: %w", unwrapPathError(err)))
	}
	_ = t.at("renamed", real)
	if !narrow {
		if err := f.Chmod(mode); err != nil {
			return fmt.Errorf("set mode: %w", unwrapPathError(err))
		}
		if err := t.sync(f); err != nil {
			return fmt.Errorf("sync: %w", unwrapPathError(err))
		}
		_ = t.at("mode-set", real)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close: %w", unwrapPathError(err))
	}
	return t.syncDir(path.Dir(real))
}

// setMTime gives real the modification time mtime (its access time is
// left as it is); a zero mtime does nothing.
func (t *Target) setMTime(real string, mtime time.Time) error {
	if mtime.IsZero() {
		return nil
	}
	if err := t.root.Chtimes(real, time.Time{}, mtime); err != nil {
		return fmt.Errorf("restore modification time: %w", unwrapPathError(err))
	}
	return nil
}

// mkdirParents creates the missing directories above real (0755), as a
// rollback needs when it puts back a file whose directory an interrupted
// undo removed.
func (t *Target) mkdirParents(real string) error {
	dir := path.Dir(real)
	if dir == "." {
		return nil
	}
	if fi, err := t.root.Lstat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := t.mkdirParents(dir); err != nil {
		return err
	}
	if _, err := t.mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return nil
}

// remove deletes real and syncs its directory.
func (t *Target) remove(real string) error {
	if err := t.root.Remove(real); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return unwrapPathError(err)
	}
	_ = t.at("removed", real)
	return t.syncDir(path.Dir(real))
}

// mkdir creates dir (its parent exists) with mode, whatever the umask, and
// syncs the parent. It reports whether it created dir: an existing
// directory is fine.
func (t *Target) mkdir(dir string, mode fs.FileMode) (bool, error) {
	err := t.mkdirMode(dir, mode)
	if errors.Is(err, fs.ErrExist) {
		if fi, err := t.root.Lstat(dir); err == nil && fi.IsDir() {
			return false, nil
		}
		return false, ErrNotRegular // a file, or a link, where a directory goes
	}
	if err != nil {
		return false, unwrapPathError(err)
	}
	return true, t.syncDir(path.Dir(dir))
}

// mkdirMode creates dir and gives it mode exactly: a umask of 077 must not
// make etc/profile.d unreadable to the users whose shells read it.
func (t *Target) mkdirMode(dir string, mode fs.FileMode) error {
	if err := t.root.Mkdir(dir, mode); err != nil {
		return err
	}
	d, err := t.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Chmod(mode)
}

func (t *Target) syncDir(dir string) error {
	d, err := t.root.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", unwrapPathError(err))
	}
	defer d.Close()
	if err := t.sync(d); err != nil {
		return fmt.Errorf("sync directory: %w", unwrapPathError(err))
	}
	return nil
}

// sync flushes f to stable storage, unless a test turned that off: a crash
// test kills processes, not machines, and does not need it.
func (t *Target) sync(f *os.File) error {
	if t.noSync {
		return nil
	}
	return f.Sync()
}
