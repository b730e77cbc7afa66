package plan_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// setLine is an idempotent edit that keeps other lines and sets key=value.
func setLine(key, value string) plan.Edit {
	return func(old []byte) ([]byte, error) {
		var out []string
		found := false
		for _, l := range strings.SplitAfter(string(old), "\n") {
			if l == "" {
				continue
			}
			if strings.HasPrefix(l, key+"=") {
				if !found {
					out = append(out, key+"="+value+"\n")
				}
				found = true
				continue
			}
			if !strings.HasSuffix(l, "\n") {
				l += "\n"
			}
			out = append(out, l)
		}
		if !found {
			out = append(out, key+"="+value+"\n")
		}
		return []byte(strings.Join(out, "")), nil
	}
}

// writeTree creates files (path → content) under dir.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
}

// snapshot records every entry under dir: content, mode, link target.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			out[rel] = "link " + l
		case fi.IsDir():
			out[rel] = fmt.Sprintf("dir %v", fi.Mode())
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("%v %q", fi.Mode(), b)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func open(t testing.TB, dir string, opts ...plan.Option) *plan.Target {
	t.Helper()
	tg, err := plan.Open(dir, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { tg.Close() })
	return tg
}

func TestApplyThenPlanAgainShowsNothingAndUndoRestores(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"etc/environment": "LANG=C\n"})
	before := snapshot(t, dir)
	tg := open(t, dir)

	var p plan.Plan
	p.AddAction(plan.Action{Name: "reload", Argv: []string{"systemctl", "daemon-reload"}})
	p.Add(
		plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", "http://p:3128"), Why: "proxy", Actions: []string{"reload"}},
		plan.Step{Path: "/etc/systemd/system/docker.service.d/proxy.conf", Edit: setLine("Environment", "X"), Secret: true, Actions: []string{"reload"}},
	)
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	require.False(t, ch.Empty())
	require.Contains(t, ch.Diff(), "+http_proxy=http://p:3128")

	rec := &plan.Recorder{}
	rep, err := tg.Apply(context.Background(), ch, rec)
	require.NoError(t, err)
	require.Equal(t, []string{"etc/environment"}, rep.Written)
	require.Equal(t, []string{"etc/systemd/system/docker.service.d/proxy.conf"}, rep.Created)
	require.Equal(t, []string{"reload"}, rec.Ran())
	fi, err := os.Stat(filepath.Join(dir, "etc/systemd/system/docker.service.d/proxy.conf"))
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())

	ch2, err := tg.Compute(&p)
	require.NoError(t, err)
	require.True(t, ch2.Empty())
	require.Empty(t, ch2.Diff())

	rec.Reset()
	rep, err = tg.Undo(context.Background(), rec)
	require.NoError(t, err, "%v", rep)
	require.Equal(t, []string{"reload"}, rec.Ran())
	require.Equal(t, before, snapshot(t, dir))
}

func TestEditErrorWritesNothing(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "1\n"})
	before := snapshot(t, dir)
	tg := open(t, dir)
	boom := errors.New("boom")
	var p plan.Plan
	p.Add(plan.Step{Path: "a", Edit: setLine("x", "1")},
		plan.Step{Path: "b", Edit: func([]byte) ([]byte, error) { return nil, boom }})
	_, err := tg.Compute(&p)
	require.ErrorIs(t, err, boom)
	var fe *plan.FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "b", fe.Path)
	require.Equal(t, before, snapshot(t, dir))
}

func TestFilesSharingNewDirectories(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	before := snapshot(t, dir)
	tg := open(t, dir)
	var p plan.Plan
	p.Add(
		plan.Step{Path: "etc/docker/daemon.json", Edit: setLine("a", "1")},
		plan.Step{Path: "etc/docker/certs.d/ca.crt", Edit: setLine("b", "2")},
	)
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	rep, err := tg.Apply(ctx, ch, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"etc", "etc/docker", "etc/docker/certs.d"}, rep.Dirs)
	_, err = tg.Undo(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, before, snapshot(t, dir))
}

// New files and directories get their modes whatever the umask.
func TestModesIgnoreTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	tg := open(t, dir)
	var p plan.Plan
	p.Add(plan.Step{Path: "etc/profile.d/proxy.sh", Edit: setLine("export http_proxy", "x")})
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	_, err = tg.Apply(context.Background(), ch, nil)
	require.NoError(t, err)
	for p, want := range map[string]fs.FileMode{
		"etc":                    0o755,
		"etc/profile.d":          0o755,
		"etc/profile.d/proxy.sh": 0o644,
		"var/lib":                0o755,
		"var/lib/proxykit":       0o700,
	} {
		fi, err := os.Stat(filepath.Join(dir, p))
		require.NoError(t, err)
		require.Equal(t, want, fi.Mode().Perm(), p)
	}
}
