package truststore

import "github.com/proxykit/proxykit/internal/edit"

// Edit changes one store: it takes the file's old bytes (nil when the file
// does not exist) and returns its new bytes. The edits of this package are
// pure, deterministic and idempotent, keep every byte they do not own, and
// return an error and no bytes on input they do not understand. It is the
// module's one edit type, an alias of func(old []byte) ([]byte, error):
// [proxyenv.Edit] and [jvmflags.Edit] are the same type, and so is any func
// with that signature.
//
// [proxyenv.Edit]: https://pkg.go.dev/github.com/proxykit/proxykit/proxyenv#Edit
// [jvmflags.Edit]: https://pkg.go.dev/github.com/proxykit/proxykit/jvmflags#Edit
type Edit = edit.Edit
