package node

import (
	"fmt"
	"io/fs"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
)

// AddFormat adds the step that writes a proxyenv consumer format, built by
// f (a method value such as s.EtcEnvironment), to path, and passes the
// format's warnings on ([Node.WarnFormat]).
func (n *Node) AddFormat(path, why string, secret bool, mode fs.FileMode, f func() (proxyenv.Edit, []proxyenv.Warning, error), actions ...string) error {
	edit, warns, err := f()
	if err != nil {
		return fmt.Errorf("/%s: %w", path, err)
	}
	n.WarnFormat(path, warns)
	n.Edit(plan.Step{Path: path, Edit: edit, Why: why, Secret: secret, Mode: mode, Actions: actions})
	return nil
}

// AddFiles adds the steps that write proxyenv's files ([proxyenv.File]:
// path, edit, mode together), and passes their warnings on
// ([Node.WarnFormat]).
func (n *Node) AddFiles(files ...proxyenv.File) {
	for _, f := range files {
		n.WarnFormat(f.Path, f.Warnings)
		n.Edit(plan.Step{Path: f.Path, Edit: f.Edit, Why: f.Why, Secret: f.Secret, Mode: f.Mode})
	}
}

// WarnFormat passes a format's warnings about the file at path (root
// relative) on to the report.
func (n *Node) WarnFormat(path string, warns []proxyenv.Warning) {
	for _, w := range warns {
		n.Warn("/"+path, "%s", WarningText(w))
	}
}

// WarningText is a format's warning without its format name, which the
// topic (the file) says already: the item, if any, and the message.
func WarningText(w proxyenv.Warning) string {
	if w.Item != "" {
		return w.Item + ": " + w.Message
	}
	return w.Message
}
