// Package editcontract holds no code: its test checks every editor of the
// module against the edit contract (DESIGN.md) on arbitrary bytes — an
// error and no bytes, or output that the file's reader accepts and that the
// same edit leaves unchanged; and input the reader refuses (binary data in
// a text format, broken PEM, JSON that does not parse) is refused.
package editcontract
