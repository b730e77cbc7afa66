package plan

import (
	"github.com/proxykit/proxykit/internal/redact"
)

// Redacted replaces every secret in a diff; it is what proxyenv.Secret
// prints.
const Redacted = redact.Marker

// masker replaces each secret, in each form a file may hold it.
type masker struct{ m *redact.Masker }

// newMasker builds the masker of secrets (and of every URL's password).
func newMasker(secrets []string) *masker { return &masker{redact.New(secrets...)} }

func (m *masker) mask(s string) string { return m.m.Mask(s) }

// newMasker builds the masker of c: the secrets the plan registered and
// every credential the old or the new content of a file holds, whoever
// wrote it ([redact.Find]).
func (c *Changes) newMasker() *masker {
	secrets := append([]string(nil), c.secrets...)
	for i := range c.Files {
		secrets = append(secrets, redact.Find(c.Files[i].Old)...)
		secrets = append(secrets, redact.Find(c.Files[i].New)...)
	}
	return newMasker(secrets)
}

// Mask returns s with every credential of the plan and of the files'
// contents masked as [Redacted], in every encoding: for values a program
// shows beside the diff (a note quoting a file's setting). Mask only
// values, never a program's own sentences.
func (c *Changes) Mask(s string) string { return c.mask().mask(s) }

// RemovedCredentials lists the files that change from content holding a
// credential (see [Changes.Diff]) to content holding none, in order: a plan
// given no password that would erase the one on the node.
func (c *Changes) RemovedCredentials() []string {
	var out []string
	for i := range c.Files {
		f := &c.Files[i]
		if f.Changed() && f.Old != nil && len(redact.Find(f.Old)) > 0 && len(redact.Find(f.New)) == 0 {
			out = append(out, f.Path)
		}
	}
	return out
}
