//go:build !linux

package truststore

import (
	"errors"
	"os"
)

// openChild is not available here: the walk lists each directory by its
// path from the root.
func openChild(dir *os.File, name string) (*os.File, error) { return nil, errors.ErrUnsupported }
