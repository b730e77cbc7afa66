package proxyenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/internal/rootfs"
)

// PasswdPath is the file [DockerClients] reads the node's users from,
// relative to the root.
const PasswdPath = "etc/passwd"

// maxPasswd bounds the /etc/passwd [DockerClients] reads.
const maxPasswd = 4 << 20

// DockerClient is the Docker client configuration of one user of a node:
// the file that gets [Settings.DockerClientConfig], which the client passes
// to the containers and builds it starts.
type DockerClient struct {
	// User is the account's name; UID and GID should own the file (and its
	// directory), since the client reads it and writes logins to it.
	User     string
	UID, GID int
	// Path is the user's ~/.docker/config.json, root-relative:
	// "home/alice/.docker/config.json". Write it with mode 0600: once it
	// holds a proxy with credentials, it holds a secret.
	Path string
	// Exists is true when the file is there already (its logins are kept).
	Exists bool
}

// DockerClients returns the Docker client configuration of each of users,
// by name, on the node whose root file system is fsys (links resolved
// inside it), reading their homes from its /etc/passwd; with no users, that
// of every account whose ~/.docker/config.json exists. A name /etc/passwd
// does not have is an error wrapping [ErrUnknownUser], a malformed line one
// wrapping [ErrMalformed] that names it. DockerClients only reads fsys.
func DockerClients(fsys fs.FS, users ...string) ([]DockerClient, error) {
	_, b, err := rootfs.ReadFile(fsys, PasswdPath, maxPasswd)
	if err != nil {
		return nil, fmt.Errorf("read /%s: %w", PasswdPath, err)
	}
	accounts, err := parsePasswd(b)
	if err != nil {
		return nil, err
	}
	var out []DockerClient
	add := func(a account) error {
		home := strings.TrimPrefix(path.Clean("/"+a.home), "/")
		if home == "" {
			return fmt.Errorf("user %s: home directory is /", a.name)
		}
		c := DockerClient{User: a.name, UID: a.uid, GID: a.gid, Path: path.Join(home, ".docker/config.json")}
		_, err := rootfs.Resolve(fsys, c.Path)
		c.Exists = err == nil
		if (c.Exists || len(users) > 0) && !slices.ContainsFunc(out, func(o DockerClient) bool { return o.Path == c.Path }) {
			out = append(out, c)
		}
		return nil
	}
	if len(users) == 0 {
		for _, a := range accounts {
			if home := path.Clean("/" + a.home); home != "/" {
				_ = add(a)
			}
		}
		return out, nil
	}
	for _, u := range users {
		i := slices.IndexFunc(accounts, func(a account) bool { return a.name == u })
		if i < 0 {
			return nil, fmt.Errorf("%w %q in /%s", ErrUnknownUser, quote.Bounded(u), PasswdPath)
		}
		if err := add(accounts[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// account is a user of the node as /etc/passwd describes it.
type account struct {
	name     string
	uid, gid int
	home     string // absolute, as in /etc/passwd
}

// parsePasswd reads /etc/passwd: name:password:UID:GID:GECOS:home:shell per
// line; comments, blank lines and NIS "+"/"-" entries are skipped. A line
// that is not seven fields with numeric IDs is an error naming its line
// (never quoting its password field).
func parsePasswd(b []byte) ([]account, error) {
	if len(b) > maxPasswd {
		return nil, fmt.Errorf("/%s: larger than %d bytes: %w", PasswdPath, maxPasswd, ErrTooLarge)
	}
	var out []account
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxPasswd)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if text == "" || text[0] == '#' || text[0] == '+' || text[0] == '-' {
			continue
		}
		f := strings.Split(text, ":")
		if len(f) != 7 {
			return nil, fmt.Errorf("/%s:%d: %d fields, want 7: %w", PasswdPath, line, len(f), ErrMalformed)
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
			return nil, fmt.Errorf("/%s:%d: user %q: user and group IDs must be numbers: %w", PasswdPath, line, quote.Bounded(f[0]), ErrMalformed)
		}
		out = append(out, account{name: f[0], uid: uid, gid: gid, home: f[5]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("/%s: %w", PasswdPath, errors.Join(err, ErrMalformed))
	}
	return out, nil
}
