package plan_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

const sentinel = "SENTINEL outside the root\n"

// hostile builds root/ and outside/ side by side; outside/secret.txt is the
// sentinel no run may read or write.
func hostile(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root, outside = filepath.Join(base, "root"), filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(root, 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.txt"), []byte(sentinel), 0o644))
	return root, outside
}

func TestConfinement(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, root, outside string)
		path    string
		wantErr error  // nil: the step applies, inside the root
		real    string // where the edit must land, relative to the root
	}{
		{
			name: "absolute link to a file outside is followed inside the root",
			setup: func(t *testing.T, root, outside string) {
				symlink(t, filepath.Join(outside, "secret.txt"), root, "abs")
			},
			path: "abs",
		},
		{
			name:  "relative link climbing out stops at the root",
			setup: func(t *testing.T, root, outside string) { symlink(t, "../outside/secret.txt", root, "rel") },
			path:  "rel",
			real:  "outside/secret.txt",
		},
		{
			name: "relative link with many .. stops at the root",
			setup: func(t *testing.T, root, outside string) {
				symlink(t, "../../../../../outside/secret.txt", root, "etc/deep")
			},
			path: "etc/deep",
			real: "outside/secret.txt",
		},
		{
			name:  "link to a directory outside, relative",
			setup: func(t *testing.T, root, outside string) { symlink(t, "../outside", root, "dirlink") },
			path:  "dirlink/secret.txt",
			real:  "outside/secret.txt",
		},
		{
			name:  "link to a directory outside, absolute",
			setup: func(t *testing.T, root, outside string) { symlink(t, outside, root, "absdir") },
			path:  "absdir/secret.txt",
		},
		{
			name:  "link to /etc/passwd edits the root's etc/passwd",
			setup: func(t *testing.T, root, outside string) { symlink(t, "/etc/passwd", root, "pw") },
			path:  "pw",
			real:  "etc/passwd",
		},
		{
			name:    "dot-dot in the step's path is refused",
			path:    "etc/../../outside/secret.txt",
			wantErr: plan.ErrBadPath,
		},
		{
			name:    "leading dot-dot is refused",
			path:    "../outside/secret.txt",
			wantErr: plan.ErrBadPath,
		},
		{
			name:    "empty element is refused",
			path:    "etc//environment",
			wantErr: plan.ErrBadPath,
		},
		{
			name:    "the root itself is refused",
			path:    "/",
			wantErr: plan.ErrBadPath,
		},
		{
			name:    "a link to the root is not a file",
			setup:   func(t *testing.T, root, outside string) { symlink(t, "/", root, "toroot") },
			path:    "toroot",
			wantErr: plan.ErrNotRegular,
		},
		{
			name: "a directory where a file is expected",
			setup: func(t *testing.T, root, outside string) {
				require.NoError(t, os.MkdirAll(filepath.Join(root, "etc/environment"), 0o755))
			},
			path:    "etc/environment",
			wantErr: plan.ErrNotRegular,
		},
		{
			name: "a link to a directory where a file is expected",
			setup: func(t *testing.T, root, outside string) {
				require.NoError(t, os.MkdirAll(filepath.Join(root, "srv"), 0o755))
				symlink(t, "/srv", root, "etc/environment")
			},
			path:    "etc/environment",
			wantErr: plan.ErrNotRegular,
		},
		{
			name:    "a file where a directory is expected",
			setup:   func(t *testing.T, root, outside string) { writeTree(t, root, map[string]string{"etc": "x"}) },
			path:    "etc/environment",
			wantErr: plan.ErrNotRegular,
		},
		{
			name: "a FIFO is not read",
			setup: func(t *testing.T, root, outside string) {
				require.NoError(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644))
			},
			path:    "fifo",
			wantErr: plan.ErrNotRegular,
		},
		{
			name:    "a link loop",
			setup:   func(t *testing.T, root, outside string) { symlink(t, "loop", root, "loop") },
			path:    "loop",
			wantErr: plan.ErrTooManyLinks,
		},
		{
			name: "a two-link loop through absolute links",
			setup: func(t *testing.T, root, outside string) {
				symlink(t, "/b", root, "a")
				symlink(t, "/a", root, "b")
			},
			path:    "a",
			wantErr: plan.ErrTooManyLinks,
		},
		{
			name:  "a dangling absolute link creates its target inside the root",
			setup: func(t *testing.T, root, outside string) { symlink(t, "/opt/new/file", root, "dangling") },
			path:  "dangling",
			real:  "opt/new/file",
		},
		{
			name: "an absolute link through a link in a parent directory",
			setup: func(t *testing.T, root, outside string) {
				symlink(t, "/etc/x", root, "etc2")
				symlink(t, "/usr/y", root, "etc/x")
			},
			path: "etc2/conf",
			real: "usr/y/conf",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root, outside := hostile(t)
			if tc.setup != nil {
				tc.setup(t, root, outside)
			}
			outsideBefore := snapshot(t, outside)
			tg := open(t, root)
			plan.NoSync(tg)
			var p plan.Plan
			var sawSentinel bool
			p.Add(plan.Step{Path: tc.path, Edit: func(old []byte) ([]byte, error) {
				sawSentinel = sawSentinel || bytes.Contains(old, []byte("SENTINEL"))
				return []byte("written by the plan\n"), nil
			}})
			ch, err := tg.Compute(&p)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Equal(t, outsideBefore, snapshot(t, outside))
				return
			}
			require.NoError(t, err)
			_, err = tg.Apply(context.Background(), ch, nil)
			require.NoError(t, err)
			require.False(t, sawSentinel, "the edit was given the file outside the root")
			require.Equal(t, outsideBefore, snapshot(t, outside))
			real := tc.real
			if real == "" {
				real = ch.Files[0].Real
				require.Contains(t, real, "outside", "resolved inside the root as a chroot would")
			}
			require.Equal(t, real, ch.Files[0].Real)
			got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(real)))
			require.NoError(t, err)
			require.Equal(t, "written by the plan\n", string(got))

			_, err = tg.Undo(context.Background(), nil)
			require.NoError(t, err)
			require.Equal(t, outsideBefore, snapshot(t, outside))
			require.NoFileExists(t, filepath.Join(root, filepath.FromSlash(real)))
		})
	}
}

func symlink(t *testing.T, target, root, name string) {
	t.Helper()
	full := filepath.Join(root, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(t, os.Symlink(target, full))
}

// The JDK reaches the system's Java trust store through an absolute link;
// the engine edits the store inside the root and keeps the link.
func TestJavaCacertsAbsoluteLinkIsKept(t *testing.T) {
	root, outside := hostile(t)
	store := []byte("\xfe\xed\xfe\xed\x00\x00\x00\x02 a JKS keystore")
	writeTree(t, root, map[string]string{"etc/ssl/certs/java/cacerts": string(store)})
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/lib/jvm/java-17-openjdk-amd64/lib/security"), 0o755))
	symlink(t, "/etc/ssl/certs/java/cacerts", root, "usr/lib/jvm/java-17-openjdk-amd64/lib/security/cacerts")
	symlink(t, "java-17-openjdk-amd64", root, "usr/lib/jvm/default-java")
	before := snapshot(t, root)
	outsideBefore := snapshot(t, outside)

	tg := open(t, root)
	var p plan.Plan
	p.AddAction(plan.Action{Name: "noop", Argv: []string{"true"}})
	addCA := func(old []byte) ([]byte, error) {
		if bytes.HasSuffix(old, []byte(" +proxy CA")) {
			return old, nil
		}
		return append(old, " +proxy CA"...), nil
	}
	p.Add(
		plan.Step{Path: "usr/lib/jvm/default-java/lib/security/cacerts", Edit: addCA, Why: "trust the proxy's CA", Actions: []string{"noop"}},
		plan.Step{Path: "/etc/ssl/certs/java/cacerts", Edit: addCA},
	)
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	require.Len(t, ch.Files, 1, "two names of one file are one change")
	require.Equal(t, "etc/ssl/certs/java/cacerts", ch.Files[0].Real)
	require.Contains(t, ch.Diff(), "Binary files a/etc/ssl/certs/java/cacerts and b/etc/ssl/certs/java/cacerts differ")
	require.Contains(t, ch.Diff(), "is a link to etc/ssl/certs/java/cacerts; the link is kept")

	_, err = tg.Apply(context.Background(), ch, nil)
	require.NoError(t, err)
	link := filepath.Join(root, "usr/lib/jvm/java-17-openjdk-amd64/lib/security/cacerts")
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeSymlink, "the link is still a link")
	target, err := os.Readlink(link)
	require.NoError(t, err)
	require.Equal(t, "/etc/ssl/certs/java/cacerts", target)
	got, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/java/cacerts"))
	require.NoError(t, err)
	require.Equal(t, string(store)+" +proxy CA", string(got))
	require.Equal(t, outsideBefore, snapshot(t, outside))

	_, err = tg.Undo(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, before, snapshot(t, root))
}

// A tree changed between Compute and Apply — a directory swapped for a link
// out of the root — makes Apply stop before writing; nothing outside the
// root is touched.
func TestTreeSwappedBeforeApply(t *testing.T) {
	for _, target := range []string{"abs", "../outside"} {
		t.Run(target, func(t *testing.T) {
			root, outside := hostile(t)
			writeTree(t, root, map[string]string{"etc/secret.txt": "inside\n"})
			tg := open(t, root)
			var p plan.Plan
			p.Add(plan.Step{Path: "etc/secret.txt", Edit: constant("written\n")})
			ch, err := tg.Compute(&p)
			require.NoError(t, err)

			require.NoError(t, os.RemoveAll(filepath.Join(root, "etc")))
			if target == "abs" {
				target = outside
			}
			symlink(t, target, root, "etc")
			outsideBefore := snapshot(t, outside)
			_, err = tg.Apply(context.Background(), ch, nil)
			require.ErrorIs(t, err, plan.ErrStale)
			require.Equal(t, outsideBefore, snapshot(t, outside))
		})
	}
}
