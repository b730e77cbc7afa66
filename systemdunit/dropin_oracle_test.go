package systemdunit_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

// dropInTree is a root with units and drop-ins in several directories:
// precedence of unit files, drop-ins hiding drop-ins of the same name,
// /dev/null masks, templates, dashed-prefix and type-wide drop-ins,
// resets in drop-ins, an absolute symbolic link.
var dropInTree = []struct {
	path, data, link string
}{
	{path: "usr/lib/systemd/system/dd-a.service", data: "[Service]\nExecStart=/bin/stub vendor\nEnvironment=A=1 B=1\n"},
	{path: "etc/systemd/system/dd-a.service", data: "[Service]\nExecStart=/bin/stub admin\nEnvironment=A=admin B=admin\n"},
	{path: "usr/lib/systemd/system/dd-a.service.d/10-x.conf", data: "[Service]\nEnvironment=B=vendor-dropin\n"},
	{path: "etc/systemd/system/dd-a.service.d/10-x.conf", data: "[Service]\nEnvironment=B=admin-dropin\n"},
	{path: "run/systemd/system/dd-a.service.d/05-y.conf", data: "[Service]\nEnvironment=C=run\nExecStart=\nExecStart=/bin/stub from-run %n\n"},
	{path: "usr/lib/systemd/system/dd-a.service.d/20-z.conf", data: "[Service]\nEnvironment=D=masked\n"},
	{path: "etc/systemd/system/dd-a.service.d/20-z.conf", link: "/dev/null"},
	{path: "opt/conf/link.conf", data: "[Service]\nEnvironment=L=linked\n"},
	{path: "etc/systemd/system/dd-a.service.d/30-link.conf", link: "../../../../opt/conf/link.conf"},
	{path: "etc/systemd/system/dd-a.service.d/40-notconf.txt", data: "[Service]\nEnvironment=N=ignored\n"},
	{path: "usr/lib/systemd/system/dd-.service.d/50-prefix.conf", data: "[Service]\nEnvironment=P=%n\n"},
	{path: "usr/lib/systemd/system/service.d/60-type.conf", data: "[Service]\nEnvironment=T=%p\n"},
	{path: "etc/systemd/system/dd-masked.service", link: "/dev/null"},
	{path: "usr/lib/systemd/system/dd-masked.service", data: "[Service]\nExecStart=/bin/stub\n"},
	{path: "usr/lib/systemd/system/dd-tmpl@.service", data: "[Service]\nExecStart=/bin/stub %i %I %f\nEnvironment=I=%i N=%n UI=%I F=%f J=%j UJ=%J P=%p UP=%P\n"},
	{path: "etc/systemd/system/dd-tmpl@.service.d/10-t.conf", data: "[Service]\nEnvironment=TT=template\n"},
	{path: "etc/systemd/system/dd-tmpl@one.service.d/10-t.conf", data: "[Service]\nEnvironment=TT=instance\n"},
	{path: "etc/systemd/system/dd-reset.service", data: "[Service]\nEnvironment=A=1\nExecStart=/bin/stub a\n"},
	{path: "etc/systemd/system/dd-reset.service.d/override.conf", data: "[Service]\nEnvironment=\nEnvironment=B=2\nExecStart=\nExecStart=/bin/stub b\n"},
	{path: "etc/systemd/system/dd-noreset.service", data: "[Service]\nExecStart=/bin/stub a\n"},
	{path: "etc/systemd/system/dd-noreset.service.d/override.conf", data: "[Service]\nExecStart=/bin/stub b\n"},
	{path: "bin/stub", data: "#!/bin/sh\n"},
}

var dropInUnits = []string{"dd-a.service", "dd-masked.service", "dd-tmpl@one.service", "dd-tmpl@two.service", "dd-tmpl@tty@1.service", `dd-tmpl@foo\x2dbar-baz.service`, "dd-reset.service", "dd-noreset.service"}

func writeTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, e := range dropInTree {
		p := filepath.Join(root, filepath.FromSlash(e.path))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if e.link != "" {
			require.NoError(t, os.Symlink(e.link, p))
			continue
		}
		require.NoError(t, os.WriteFile(p, []byte(e.data), 0o755))
	}
	return root
}

// loaded returns the package's answer for a unit loaded from the root.
func loaded(t *testing.T, root, name string) answer {
	u, err := systemdunit.Load(os.DirFS(root), name)
	if errors.Is(err, systemdunit.ErrMasked) || errors.Is(err, systemdunit.ErrNotFound) {
		return answer{}
	}
	require.NoError(t, err)
	if u.Check() != nil {
		return answer{}
	}
	a := answer{Loaded: true, Exec: map[string][][]string{}, prefixes: map[string][]string{}}
	for _, f := range u.Files {
		a.Files = append(a.Files, f.Name)
	}
	a.Env, _ = u.Environment()
	for _, key := range systemdunit.ExecKeys {
		cmds, _ := u.Commands(key)
		for _, c := range cmds {
			a.Exec[key] = append(a.Exec[key], c.Argv)
			a.prefixes[key] = append(a.prefixes[key], c.Prefixes)
		}
	}
	return a
}

// TestDropInsMatchSystemd checks the merged view of units with drop-ins in
// several directories against systemd's.
func TestDropInsMatchSystemd(t *testing.T) {
	root := writeTree(t)
	mine := map[string]answer{}
	for _, n := range dropInUnits {
		mine[n] = loaded(t, root, n)
	}
	var live map[string]answer
	if analyze, ok := findAnalyze(t); ok {
		args := append([]string{"--root=" + root, "verify", "--man=no", "--generators=no", "--recursive-errors=no"}, dropInUnits...)
		cmd := exec.Command(analyze, args...)
		cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=debug", "SYSTEMD_LOG_COLOR=0")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run() // the masked and the unreset units make it fail
		live = parseDump(t, stdout.Bytes())
		for _, n := range dropInUnits {
			a := live[n]
			for i, f := range a.Files {
				rel, err := filepath.Rel(root, f)
				require.NoError(t, err)
				a.Files[i] = filepath.ToSlash(rel)
			}
			live[n] = a
		}
	}
	recorded := golden(t, filepath.Join("testdata", "oracle", "dropins.golden"), dropInUnits, live)
	want := recorded
	if live != nil {
		want = live
	}
	for _, n := range dropInUnits {
		t.Run(n, func(t *testing.T) {
			require.Equal(t, want[n].literal(mine[n].prefixes).String(), mine[n].String())
			require.Equal(t, recorded[n].String(), want[n].String(), "recorded answer is stale; run go test -update")
		})
	}
}
