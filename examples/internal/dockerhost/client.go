package dockerhost

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
)

const passwdPath = "etc/passwd"

// account is a user of the node as /etc/passwd describes it.
type account struct {
	Name     string
	UID, GID int
	Home     string // absolute, as in /etc/passwd
}

// maxPasswd bounds the /etc/passwd parsePasswd reads.
const maxPasswd = 4 << 20

// parsePasswd reads /etc/passwd: name:password:UID:GID:GECOS:home:shell per
// line; comments, blank lines and NIS "+"/"-" entries are skipped. A line
// that is not seven fields with numeric IDs is an error naming its line.
func parsePasswd(b []byte) ([]account, error) {
	if len(b) > maxPasswd {
		return nil, fmt.Errorf("/%s: larger than %d bytes", passwdPath, maxPasswd)
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
			return nil, fmt.Errorf("/%s:%d: %d fields, want 7: %q", passwdPath, line, len(f), quote.Bounded(text))
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
			return nil, fmt.Errorf("/%s:%d: user and group IDs must be numbers: %q", passwdPath, line, quote.Bounded(text))
		}
		out = append(out, account{Name: f[0], UID: uid, GID: gid, Home: f[5]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("/%s: %w", passwdPath, err)
	}
	return out, nil
}

// planClients merges the proxies into the Docker client's config.json of
// every -user, keeping logins and every other key.
func (o *options) planClients(n *node.Node, s proxyenv.Settings) error {
	if len(o.users) == 0 {
		n.Warn("docker client", "no -user given: containers and builds started by docker run/build get no proxy from the client's config.json")
		return nil
	}
	b, err := n.ReadFile(passwdPath)
	if err != nil {
		return fmt.Errorf("-user needs /%s: %w", passwdPath, err)
	}
	accounts, err := parsePasswd(b)
	if err != nil {
		return err
	}
	edit, warns, err := s.DockerClientConfig()
	if err != nil {
		return err
	}
	for _, u := range o.users {
		var acc *account
		for i := range accounts {
			if accounts[i].Name == u {
				acc = &accounts[i]
				break
			}
		}
		if acc == nil {
			return fmt.Errorf("%w: -user %q: no such user in /%s", node.ErrUsage, quote.Bounded(u), passwdPath)
		}
		home := strings.TrimPrefix(path.Clean("/"+acc.Home), "/")
		if home == "" {
			return fmt.Errorf("-user %s: home directory is /", u)
		}
		p := path.Join(home, ".docker/config.json")
		n.WarnFormat(p, warns)
		actions := []string{}
		if acc.UID != 0 {
			// The engine creates files as root; the client must be able to
			// read its own config (and keep writing logins to it).
			actions = append(actions, n.Action("chown "+u+" docker config", "chown",
				fmt.Sprintf("%d:%d", acc.UID, acc.GID), "/"+path.Dir(p), "/"+p))
		}
		n.Edit(plan.Step{Path: p, Edit: edit, Secret: true, Mode: 0o600,
			Why: "proxies for " + u + "'s containers and builds (docker client config; logins kept)", Actions: actions})
	}
	return nil
}
