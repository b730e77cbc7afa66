// Package readme holds no code: its test checks that the module's README.md
// says what go list says: the package table lists every public package, and
// the import graph is the one the packages' imports draw.
package readme
