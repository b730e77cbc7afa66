// Package quote bounds what messages quote of their input. Parse errors say
// where a problem is and quote a bounded piece of what was seen there; every
// package of the module cuts that piece with [Bounded], so no error grows
// with its input.
package quote

import "unicode/utf8"

// Max is the most bytes of input a message quotes.
const Max = 64

// Bounded returns s, or its first [Max] bytes cut on a rune boundary and
// followed by "…" when s is longer, for a message to quote (usually with %q).
// It does not redact: callers pass a piece that holds no credential.
func Bounded(s string) string {
	if len(s) <= Max {
		return s
	}
	cut := Max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
