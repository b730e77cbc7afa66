package plan_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// Synthetic edits: each is idempotent and keeps what it does not own.

func ensureLine(line string) plan.Edit {
	return func(old []byte) ([]byte, error) {
		for _, l := range strings.Split(string(old), "\n") {
			if l == line {
				return old, nil
			}
		}
		out := string(old)
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		return []byte(out + line + "\n"), nil
	}
}

func deleteLines(prefix string) plan.Edit {
	return func(old []byte) ([]byte, error) {
		if old == nil {
			return nil, nil
		}
		var out []string
		for _, l := range strings.SplitAfter(string(old), "\n") {
			if !strings.HasPrefix(l, prefix) {
				out = append(out, l)
			}
		}
		return []byte(strings.Join(out, "")), nil
	}
}

func constant(content string) plan.Edit {
	return func([]byte) ([]byte, error) { return []byte(content), nil }
}

func identity(old []byte) ([]byte, error) { return old, nil }

// synthetic is one generated case: a tree and a plan over it.
type synthetic struct {
	seed   uint64
	files  map[string]string      // existing files
	modes  map[string]fs.FileMode // their modes
	links  map[string]string      // link → target
	plan   plan.Plan
	secret map[string]bool // paths created by a Secret step
}

func (s synthetic) String() string { return fmt.Sprintf("seed %d", s.seed) }

var synthPaths = []string{
	"etc/environment", "etc/profile.d/proxy.sh", "etc/yum.conf", "etc/noeol",
	"etc/empty", "opt/app/conf/app.properties", "var/new/deep/dir/file",
	"etc/systemd/system/docker.service.d/http-proxy.conf",
}

func genSynthetic(seed uint64) synthetic {
	r := rand.New(rand.NewPCG(seed, 7))
	s := synthetic{seed: seed, files: map[string]string{}, modes: map[string]fs.FileMode{}, links: map[string]string{}, secret: map[string]bool{}}
	modes := []fs.FileMode{0o600, 0o640, 0o644, 0o755}
	for _, p := range synthPaths {
		if r.IntN(2) == 0 {
			continue
		}
		switch p {
		case "etc/noeol":
			s.files[p] = "no final newline"
		case "etc/empty":
			s.files[p] = ""
		default:
			s.files[p] = fmt.Sprintf("# %s\nKEEP=%d\nhttp_proxy=old\n", p, r.IntN(100))
		}
		s.modes[p] = modes[r.IntN(len(modes))]
	}
	if r.IntN(2) == 0 {
		s.links["usr/lib/jvm/x/lib/security/cacerts"] = "/etc/environment"
	}
	if r.IntN(2) == 0 {
		s.links["etc/alias"] = "yum.conf"
	}
	s.plan.AddAction(
		plan.Action{Name: "daemon-reload", Argv: []string{"systemctl", "daemon-reload"}},
		plan.Action{Name: "restart", Argv: []string{"systemctl", "restart", "docker"}},
		plan.Action{Name: "update-ca", Argv: []string{"update-ca-trust"}},
	)
	names := []string{"daemon-reload", "restart", "update-ca"}
	targets := slices.Clone(synthPaths)
	for l := range s.links {
		targets = append(targets, l)
	}
	slices.Sort(targets)
	for range 1 + r.IntN(8) {
		p := targets[r.IntN(len(targets))]
		var e plan.Edit
		switch r.IntN(5) {
		case 0:
			e = setLine("http_proxy", fmt.Sprintf("http://proxy%d:3128", r.IntN(3)))
		case 1:
			e = ensureLine(fmt.Sprintf("line %d", r.IntN(3)))
		case 2:
			e = constant(fmt.Sprintf("whole file %d\n", r.IntN(3)))
		case 3:
			e = deleteLines("KEEP=")
		default:
			e = identity
		}
		st := plan.Step{Path: p, Edit: e, Secret: r.IntN(3) == 0, Why: "synthetic"}
		if r.IntN(3) == 0 {
			st.Mode = 0o640
		}
		for _, n := range names {
			if r.IntN(3) == 0 {
				st.Actions = append(st.Actions, n)
			}
		}
		s.plan.Add(st)
	}
	return s
}

func (s synthetic) build(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, s.files)
	for p, m := range s.modes {
		require.NoError(t, os.Chmod(filepath.Join(dir, p), m))
	}
	for l, target := range s.links {
		full := filepath.Join(dir, l)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.Symlink(target, full))
	}
	return dir
}

// statSnapshot records what a write would change: inode, mtime, ctime.
func statSnapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		out[p] = fmt.Sprintf("ino %d mtime %d ctime %d", st.Ino, st.Mtim.Nano(), st.Ctim.Nano())
		return nil
	}))
	return out
}

// TestSyntheticPlans checks the engine's properties over generated trees
// and plans: applied files hold the planned bytes and modes; the actions of
// changed files run once each, in plan order; planning again shows
// nothing; a second apply writes nothing and runs nothing; undo restores
// every byte and mode and removes what was created.
func TestSyntheticPlans(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(60) {
		s := genSynthetic(seed)
		t.Run(s.String(), func(t *testing.T) {
			t.Parallel()
			dir := s.build(t)
			before := snapshot(t, dir)
			tg := open(t, dir)
			plan.NoSync(tg)

			ch, err := tg.Compute(&s.plan)
			require.NoError(t, err)
			rec := &plan.Recorder{}
			rep, err := tg.Apply(ctx, ch, rec)
			require.NoError(t, err)

			var wantRan, created, written []string
			for _, a := range ch.Actions() {
				wantRan = append(wantRan, a.Name)
			}
			require.Equal(t, wantRan, rec.Ran(), "actions of changed files, once each, in plan order")
			for _, c := range ch.Files {
				full := filepath.Join(dir, filepath.FromSlash(c.Real))
				if c.New == nil {
					require.NoFileExists(t, full)
					continue
				}
				got, err := os.ReadFile(full)
				require.NoError(t, err)
				require.Equal(t, string(c.New), string(got), c.Path)
				fi, err := os.Stat(full)
				require.NoError(t, err)
				if c.Old != nil {
					require.Equal(t, s.modes[c.Real], fi.Mode().Perm(), "existing %s keeps its mode", c.Path)
				} else {
					require.Equal(t, c.Mode, fi.Mode().Perm(), "new %s", c.Path)
					if c.Secret && c.Mode != 0o640 {
						require.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
					}
				}
				switch {
				case c.Created():
					created = append(created, c.Path)
				case c.Changed():
					written = append(written, c.Path)
				}
			}
			require.Equal(t, created, rep.Created)
			require.Equal(t, written, rep.Written)

			again, err := tg.Compute(&s.plan)
			require.NoError(t, err)
			require.True(t, again.Empty(), "planning again shows nothing")
			require.Empty(t, again.Diff())

			stats := statSnapshot(t, dir)
			rec.Reset()
			rep, err = tg.Apply(ctx, again, rec)
			require.NoError(t, err)
			require.Empty(t, rec.Ran(), "a second run runs no action")
			require.Empty(t, rep.Written)
			require.Empty(t, rep.Created)
			require.Equal(t, stats, statSnapshot(t, dir), "a second run writes nothing")

			_, err = tg.Undo(ctx, rec)
			if ch.Empty() {
				require.ErrorIs(t, err, plan.ErrNoManifest)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, before, snapshot(t, dir), "undo restores every byte and mode, removes what was created")
		})
	}
}

// TestRepeatedAppliesUndoToTheFirst: the manifest accumulates, so undo after
// several applies returns to the state before the first.
func TestRepeatedAppliesUndoToTheFirst(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	before := snapshot(t, dir)
	tg := open(t, dir)
	for i, p := range []string{"http://a:1", "http://b:2", "http://c:3"} {
		var pl plan.Plan
		pl.Add(plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", p)})
		if i == 1 {
			pl.Add(plan.Step{Path: "etc/new/file", Edit: constant("x\n")})
		}
		ch, err := tg.Compute(&pl)
		require.NoError(t, err)
		_, err = tg.Apply(ctx, ch, nil)
		require.NoError(t, err)
	}
	rep, err := tg.Undo(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"etc/environment"}, rep.Written)
	require.Contains(t, rep.Removed, "etc/new/file")
	require.Equal(t, before, snapshot(t, dir))
	_, err = tg.Undo(ctx, nil)
	require.ErrorIs(t, err, plan.ErrNoManifest)
}

func TestOwnerIsKept(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing a file's owner needs root")
	}
	ctx := context.Background()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	full := filepath.Join(dir, "etc/environment")
	require.NoError(t, os.Chown(full, 1234, 5678))
	require.NoError(t, os.Chmod(full, 0o750|fs.ModeSetuid))
	before := snapshot(t, dir)
	tg := open(t, dir)
	var pl plan.Plan
	pl.Add(plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", "http://p:1")})
	ch, err := tg.Compute(&pl)
	require.NoError(t, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	fi, err := os.Stat(full)
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	require.Equal(t, []uint32{1234, 5678}, []uint32{st.Uid, st.Gid})
	require.Equal(t, fs.FileMode(0o750)|fs.ModeSetuid, fi.Mode()&(fs.ModePerm|fs.ModeSetuid))
	_, err = tg.Undo(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, before, snapshot(t, dir))
}

// TestWriteFailureChangesNothing fails the write of each file in turn, as a
// full disk would, at two points of the write: the files written before are
// put back, the error says what failed and that nothing changed, no
// manifest is left, the next apply (after another failure) completes, and
// undo restores everything.
func TestWriteFailureChangesNothing(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{"a": "A\n", "b/c": "C\n", "d": "D\n"}
	paths := []string{"a", "b/c", "d", "e/f/new"}
	mkPlan := func() *plan.Plan {
		var pl plan.Plan
		for _, p := range paths {
			pl.Add(plan.Step{Path: p, Edit: setLine("proxy", "on")})
		}
		return &pl
	}
	diskFull := errors.New("no space left on device")
	for _, point := range []string{"temp-created", "temp-synced"} {
		for k := range paths {
			t.Run(fmt.Sprintf("%s of file %d", point, k), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				writeTree(t, dir, files)
				before := snapshot(t, dir)
				tg := open(t, dir)
				plan.NoSync(tg)
				ch, err := tg.Compute(mkPlan())
				require.NoError(t, err)
				plan.SetHook(tg, func(pt, p string) error {
					if pt == point && p == paths[k] {
						return diskFull
					}
					return nil
				})
				_, err = tg.Apply(ctx, ch, nil)
				var ae *plan.ApplyError
				require.ErrorAs(t, err, &ae)
				require.ErrorIs(t, err, diskFull)
				require.Equal(t, paths[k], ae.Path)
				require.Equal(t, nilIfEmpty(paths[:k]), ae.RolledBack, "the files written before the failure are put back")
				require.NoError(t, ae.Rollback)
				require.Contains(t, err.Error(), fmt.Sprintf("apply %s: ", paths[k]))
				require.Contains(t, err.Error(), "; nothing changed")
				require.Equal(t, before, snapshot(t, dir), "nothing changed: no file, directory or manifest")
				requireNoTemp(t, dir)
				plan.SetHook(tg, nil)
				_, err = tg.Undo(ctx, nil)
				require.ErrorIs(t, err, plan.ErrNoManifest, "a failed first apply leaves nothing to undo")

				// Apply again: it completes.
				plan.SetHook(tg, func(pt, p string) error {
					if pt == point && p == paths[k] {
						return diskFull
					}
					return nil
				})
				ch, err = tg.Compute(mkPlan())
				require.NoError(t, err)
				_, err = tg.Apply(ctx, ch, nil)
				require.ErrorIs(t, err, diskFull)
				plan.SetHook(tg, nil)
				ch, err = tg.Compute(mkPlan())
				require.NoError(t, err)
				_, err = tg.Apply(ctx, ch, nil)
				require.NoError(t, err)
				again, err := tg.Compute(mkPlan())
				require.NoError(t, err)
				require.True(t, again.Empty())
				_, err = tg.Undo(ctx, nil)
				require.NoError(t, err)
				require.Equal(t, before, snapshot(t, dir))
			})
		}
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func requireNoTemp(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NotContains(t, d.Name(), ".proxykit-tmp", "temporary file left behind")
		return err
	}))
}
