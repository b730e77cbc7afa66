package node

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/rootfs"
	"github.com/proxykit/proxykit/proxyenv"
)

// A Node is the machine being configured, as a program's Build function sees
// it: the resolved flags, a read-only view of the root, and the plan being
// built. Build reads through the Node and adds steps, actions and warnings to
// it; it never writes.
type Node struct {
	Config *Config
	// FS is the node's root as a file system. It reads inside the root only;
	// use [Node.ReadFile] and [Node.Resolve] to follow the absolute symbolic
	// links real nodes are full of.
	FS fs.FS
	// Plan collects the steps and actions. Add to it with [Node.Edit] and
	// [Node.Action].
	Plan plan.Plan

	notes    []message
	warnings []warning
	left     []Left
	mask     func(string) string // set once the plan is computed
	writable func(name string) error
}

// Left is a file or store found that the plan should change and does not,
// with the reason: a keystore that does not open with -storepass, a store
// in a format not edited, a bundle that is not valid PEM, a read-only
// store. Plan and apply exit [ExitIncomplete] when any is left; verify
// counts each as drift.
type Left struct {
	Path   string `json:"path"`   // absolute, as found on the node
	Reason string `json:"reason"` // why, for a person
}

// Leave records a store the plan leaves unchanged though it should not.
func (n *Node) Leave(path, reason string) {
	for _, l := range n.left {
		if l.Path == path {
			return
		}
	}
	n.left = append(n.left, Left{Path: path, Reason: reason})
}

// Writable reports why the directory name (root-relative) cannot take a
// new file, or nil when it can.
func (n *Node) Writable(name string) error {
	if n.writable == nil {
		return nil
	}
	return n.writable(name)
}

// A Warning is something a person must read before applying a plan.
type Warning struct {
	Topic   string `json:"topic"`   // what it is about: a file, a unit, "no-proxy"
	Message string `json:"message"` // what happens and what to do
}

func (w Warning) String() string { return w.Topic + ": " + w.Message }

// NewNode returns a Node for the root file system fsys.
func NewNode(c *Config, fsys fs.FS) *Node {
	n := &Node{Config: c, FS: fsys}
	n.Plan.AddSecret(secretsOf(c)...)
	return n
}

// secretsOf lists the credentials the diff must mask.
func secretsOf(c *Config) []string {
	var s []string
	for _, p := range []*proxyenv.Proxy{c.Settings.HTTPProxy, c.Settings.HTTPSProxy, c.Settings.FTPProxy} {
		if p != nil && !p.Password.IsZero() {
			// The base64 of user:password too: a registry's auth.
			s = append(s, p.Password.Reveal(), base64.StdEncoding.EncodeToString([]byte(p.Username+":"+p.Password.Reveal())))
		}
	}
	if !c.StorePass.IsZero() && c.StorePass.Reveal() != "changeit" {
		// changeit is every JDK's published default; masking it would
		// only hide the word wherever it appears.
		s = append(s, c.StorePass.Reveal())
	}
	return s
}

// Note adds a line describing the node ("CentOS Linux 7 (Core), DC/OS
// 2.2.5 master") to the report's header. The args are values (a file's
// setting, a unit's name): the report masks every credential in them, never
// in format.
func (n *Node) Note(format string, args ...any) {
	n.notes = append(n.notes, message{format, args})
}

// Warn adds a warning; its args are masked like [Node.Note]'s. Equal
// warnings are kept once.
func (n *Node) Warn(topic, format string, args ...any) {
	m := message{format, args}
	for _, w := range n.warnings {
		if w.topic == topic && w.msg.render(nil) == m.render(nil) {
			return
		}
	}
	n.warnings = append(n.warnings, warning{topic, m})
}

// Warnings returns the warnings added so far, their values masked once the
// plan is computed.
func (n *Node) Warnings() []Warning {
	out := make([]Warning, len(n.warnings))
	for i, w := range n.warnings {
		out[i] = Warning{Topic: w.topic, Message: w.msg.render(n.mask)}
	}
	return out
}

// Notes returns the notes added so far, their values masked once the plan
// is computed.
func (n *Node) Notes() []string {
	out := make([]string, len(n.notes))
	for i, m := range n.notes {
		out[i] = m.render(n.mask)
	}
	return out
}

// A message is a note or warning kept as its format and values, so that the
// values alone are masked once the plan's credentials are known.
type message struct {
	format string
	args   []any
}

type warning struct {
	topic string
	msg   message
}

// render formats m with every string, error and Stringer value passed
// through mask (nil: as they are).
func (m message) render(mask func(string) string) string {
	if mask == nil {
		return fmt.Sprintf(m.format, m.args...)
	}
	args := make([]any, len(m.args))
	for i, a := range m.args {
		switch v := a.(type) {
		case string:
			args[i] = mask(v)
		case error:
			args[i] = mask(v.Error())
		case fmt.Stringer:
			args[i] = mask(v.String())
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(m.format, args...)
}

// Edit adds a step to the plan.
func (n *Node) Edit(s plan.Step) { n.Plan.Add(s) }

// Action adds a follow-up action to the plan unless one of that name is
// there already, and returns its name for [plan.Step.Actions].
func (n *Node) Action(name string, argv ...string) string {
	for _, a := range n.Plan.Actions {
		if a.Name == name {
			return name
		}
	}
	n.Plan.AddAction(plan.Action{Name: name, Argv: argv})
	return name
}

// orderActions sorts the plan's actions so that commands that rebuild
// stores run first, then systemd's daemon-reload, then restarts: a service
// restarts once, after everything it reads is in place.
func (n *Node) orderActions() {
	rank := func(a plan.Action) int {
		switch {
		case a.Name == "daemon-reload":
			return 1
		case strings.HasPrefix(a.Name, "restart "):
			return 2
		}
		return 0
	}
	slices.SortStableFunc(n.Plan.Actions, func(a, b plan.Action) int { return rank(a) - rank(b) })
}

// DaemonReload is the action that makes systemd re-read unit files.
func (n *Node) DaemonReload() string { return n.Action("daemon-reload", "systemctl", "daemon-reload") }

// Restart is the action that restarts a systemd unit, after a daemon-reload.
func (n *Node) Restart(unit string) string {
	return n.Action("restart "+strings.TrimSuffix(unit, ".service"), "systemctl", "restart", unit)
}

// maxRead bounds what Build reads of one file through the Node.
const maxRead = 16 << 20

// ReadFile reads a file of the node. Symbolic links are followed with
// chroot semantics (an absolute target starts again at the root, ".." stops
// at it), so nothing outside the root is read. A missing file gives an
// error matching [fs.ErrNotExist].
func (n *Node) ReadFile(name string) ([]byte, error) {
	_, b, err := rootfs.ReadFile(n.FS, name, maxRead)
	return b, err
}

// Exists reports whether name exists under the root once its links are
// followed.
func (n *Node) Exists(name string) bool {
	_, err := n.Resolve(name)
	return err == nil
}

// Resolve returns name (root-relative, slash-separated) with every symbolic
// link in it followed with chroot semantics, naming an existing file or
// directory.
func (n *Node) Resolve(name string) (string, error) { return rootfs.Resolve(n.FS, name) }

// Glob returns the root-relative names matching pattern ([path.Match]
// syntax), following links in the directories on the way ([rootfs.Glob]).
// A bad pattern matches nothing.
func (n *Node) Glob(pattern string) []string {
	out, _ := rootfs.Glob(n.FS, pattern)
	return out
}

// OSName returns the PRETTY_NAME of the root's etc/os-release, or a phrase
// saying there is none.
func (n *Node) OSName() string {
	b, err := n.ReadFile("etc/os-release")
	if err != nil {
		return "unknown distribution (no etc/os-release)"
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok && k == "PRETTY_NAME" && strings.Trim(v, `"'`) != "" {
			return strings.Trim(v, `"'`)
		}
	}
	return "unknown distribution (no PRETTY_NAME in etc/os-release)"
}
