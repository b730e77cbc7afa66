// Package scripttest holds the testscript commands that the example
// programs' end-to-end scripts share: a listing of a tree to compare runs
// with, a check that a failed run left every file old or new, and a check
// that no output holds the proxy password.
package scripttest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

// Cmd is a testscript command.
type Cmd = func(ts *testscript.TestScript, neg bool, args []string)

// With returns the shared [Commands] for password together with own, a
// program's own commands.
func With(password string, own map[string]Cmd) map[string]Cmd {
	cmds := Commands(password)
	maps.Copy(cmds, own)
	return cmds
}

// Commands returns the shared commands, with password as the secret that
// "nosecret" looks for:
//
//	snapshot [-meta] DIR FILE  lists every file under DIR into FILE (path, type, mode, link
//	                           target, SHA-256; with -meta also inode and mtime)
//	eachof NOW A B             every line of snapshot NOW is in snapshot A or B
//	nosecret [FILE...]         no FILE (default stdout and stderr) holds password in any encoding
//	status N PROG [ARG...]     runs PROG as exec does and checks that it exits with status N
func Commands(password string) map[string]Cmd {
	return map[string]Cmd{
		"snapshot": snapshot,
		"eachof":   eachof,
		"status":   Status,
		"nosecret": func(ts *testscript.TestScript, neg bool, args []string) { nosecret(ts, neg, args, password) },
	}
}

// snapshot writes a listing of every file under DIR into FILE: its path,
// type, mode, link target and SHA-256, so that two trees compare with cmp.
// With -meta, each regular file's inode and modification time are listed
// too, to show that a run wrote nothing.
func snapshot(ts *testscript.TestScript, neg bool, args []string) {
	meta := len(args) > 0 && args[0] == "-meta"
	if meta {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: snapshot [-meta] DIR FILE")
	}
	dir := ts.MkAbs(args[0])
	var lines []string
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
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s link %s", rel, target))
		case fi.IsDir():
			lines = append(lines, fmt.Sprintf("%s dir %04o", rel, fi.Mode().Perm()))
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line := fmt.Sprintf("%s file %04o %x", rel, fi.Mode().Perm(), sha256.Sum256(data))
			if meta {
				st := fi.Sys().(*syscall.Stat_t)
				line += fmt.Sprintf(" inode %d mtime %d", st.Ino, fi.ModTime().UnixNano())
			}
			lines = append(lines, line)
		}
		return nil
	})
	ts.Check(err)
	slices.Sort(lines)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
}

// eachof fails unless every line of the snapshot NOW is in the snapshot A
// or in B: after a failed run, each file is whole, as it was (A) or as
// planned (B), never something else. The engine's own state
// (var/lib/proxykit) is left out: it records each run.
func eachof(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: eachof NOW A B")
	}
	set := map[string]bool{}
	for _, f := range args[1:] {
		for _, l := range strings.Split(ts.ReadFile(f), "\n") {
			set[l] = true
		}
	}
	for _, l := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if !set[l] && !strings.HasPrefix(l, "var/lib/proxykit") {
			ts.Fatalf("%s: %q is neither in %s nor in %s", args[0], l, args[1], args[2])
		}
	}
}

// SecretForms returns the ways password may be written: raw, in a URL
// (net/url's and proxyenv's encodings), JSON-escaped, and escaped for systemd.
func SecretForms(password string) []string {
	j, _ := json.Marshal(password)
	return []string{
		password,
		url.UserPassword("u", password).String()[2:],
		url.QueryEscape(password),
		url.PathEscape(password),
		proxyenv.EscapeUserinfo(password),
		strings.Trim(string(j), `"`),
		strings.ReplaceAll(password, "%", "%%"),
	}
}

// nosecret fails when a file (stdout and stderr name the last command's
// output) holds password in any encoding. With no FILE it checks stdout and
// stderr.
func nosecret(ts *testscript.TestScript, neg bool, args []string, password string) {
	if neg {
		ts.Fatalf("unsupported: ! nosecret")
	}
	if len(args) == 0 {
		args = []string{"stdout", "stderr"}
	}
	for _, name := range args {
		var data string
		switch name {
		case "stdout", "stderr":
			data = ts.ReadFile(name)
		default:
			b, err := os.ReadFile(ts.MkAbs(name))
			ts.Check(err)
			data = string(b)
		}
		for _, f := range SecretForms(password) {
			if strings.Contains(data, f) {
				ts.Fatalf("%s holds the proxy password (as %q)", name, strings.ReplaceAll(f, password, "<password>"))
			}
		}
	}
}

// Condition answers the scripts' "[oracle:TOOL]" conditions: whether TOOL is
// installed, or an error where it is missing and CI requires it
// ([oracle.Available]).
func Condition(cond string) (bool, error) {
	tool, ok := strings.CutPrefix(cond, "oracle:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	return oracle.Available(tool)
}

// Status is the command "status N PROG [ARG...]": it runs PROG with the
// arguments as exec does, keeping its stdout and stderr for the commands
// that follow, and fails unless PROG exits with status N. The example
// programs' exit statuses (0 to 3) mean the same in each, and exec alone
// tells only zero from non-zero.
func Status(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N PROG [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}
