package edit_test

import (
	"testing"

	"github.com/proxykit/proxykit/internal/edit"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// same compiles only when a and b have one type: type inference refuses two
// distinct named types.
func same[T any](a, b T) {}

// TestOneEditType checks at compile time that every package names the same
// edit type, and that a plain func literal is one.
func TestOneEditType(t *testing.T) {
	var (
		e edit.Edit
		p proxyenv.Edit
		s truststore.Edit
		j jvmflags.Edit
	)
	same(e, p)
	same(p, s)
	same(s, j)
	same(j, func(old []byte) ([]byte, error) { return old, nil })
}
