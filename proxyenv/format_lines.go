package proxyenv

import (
	"bytes"
	"strings"
)

// line is one logical line of a line-oriented file: its text without the
// terminator, the terminator as found ("\n", "\r\n", or "" for a last line
// without one), and the key it assigns when that key is one the format owns.
// A logical line may span physical lines (a continuation): its text then
// holds the inner terminators.
type line struct {
	text string
	eol  string
	key  string // owned key assigned on this line; "" for any other line
	num  int    // 1-based number of its first physical line
}

// splitLines splits b into physical lines, keeping every byte: joining the
// lines' text and eol gives b back.
func splitLines(b []byte) []line {
	var ls []line
	for n := 1; len(b) > 0; n++ {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			ls = append(ls, line{text: string(b), num: n})
			break
		}
		t, eol := b[:i], "\n"
		if len(t) > 0 && t[len(t)-1] == '\r' {
			t, eol = t[:len(t)-1], "\r\n"
		}
		ls = append(ls, line{text: string(t), eol: eol, num: n})
		b = b[i+1:]
	}
	return ls
}

// joinLines is the inverse of splitLines.
func joinLines(ls []line) []byte {
	n := 0
	for _, l := range ls {
		n += len(l.text) + len(l.eol)
	}
	b := make([]byte, 0, n) // never nil: an empty result is an empty file
	for _, l := range ls {
		b = append(b, l.text...)
		b = append(b, l.eol...)
	}
	return b
}

// newlineOf returns the line terminator a file uses: that of its first
// terminated line, "\n" when it has none.
func newlineOf(ls []line) string {
	for _, l := range ls {
		if l.eol != "" {
			return l.eol
		}
	}
	return "\n"
}

// keyedLine is a line an edit wants: the key it assigns and its full text.
type keyedLine struct {
	key  string
	text string
}

// setKeyed edits ls so that each key in want is assigned by exactly one line
// with the wanted text, and each key in remove by none: the first line
// holding a wanted key is replaced in place (keeping its terminator), later
// ones are dropped, lines of removed keys are dropped, and wanted keys not
// present are inserted after the last line holding any owned key, or when
// there is none after ls[fallback] (at the end when fallback is out of
// range), in the order of want. Other lines are untouched.
func setKeyed(ls []line, want []keyedLine, remove []string, fallback int) []line {
	nl := newlineOf(ls)
	wantText := make(map[string]string, len(want))
	for _, w := range want {
		wantText[w.key] = w.text
	}
	removed := make(map[string]bool, len(remove))
	for _, k := range remove {
		removed[k] = true
	}
	seen := make(map[string]bool)
	out := make([]line, 0, len(ls)+len(want))
	insertAt := -1 // index in out after which missing keys go
	for _, l := range ls {
		if l.key == "" {
			out = append(out, l)
			continue
		}
		if text, ok := wantText[l.key]; ok && !seen[l.key] {
			seen[l.key] = true
			l.text = text
			out = append(out, l)
			insertAt = len(out) - 1
			continue
		}
		if !removed[l.key] && !seen[l.key] {
			// An owned key the edit neither sets nor removes: keep it.
			out = append(out, l)
			continue
		}
		// A duplicate or removed key: drop it, but keep its place as the
		// insertion point.
		insertAt = len(out) - 1
	}
	var missing []line
	for _, w := range want {
		if !seen[w.key] {
			missing = append(missing, line{text: w.text, eol: nl, key: w.key})
		}
	}
	if len(missing) == 0 {
		return out
	}
	if insertAt < 0 {
		insertAt = len(out) - 1
		if fallback >= 0 && fallback < len(out) {
			insertAt = fallback // no line was dropped: indexes of ls and out agree
		}
	}
	if insertAt >= 0 && out[insertAt].eol == "" {
		out[insertAt].eol = nl
	}
	if insertAt == len(out)-1 {
		return append(out, missing...)
	}
	res := make([]line, 0, len(out)+len(missing))
	res = append(res, out[:insertAt+1]...)
	res = append(res, missing...)
	return append(res, out[insertAt+1:]...)
}

// envKey returns the variable name a line of an environment-style file
// assigns ("NAME=…", optionally after blanks and "export "), and whether the
// line is such an assignment.
func envKey(text string) (string, bool) {
	t := strings.TrimLeft(text, " \t")
	if rest, ok := strings.CutPrefix(t, "export"); ok && len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		t = strings.TrimLeft(rest, " \t")
	}
	i := strings.IndexByte(t, '=')
	if i <= 0 {
		return "", false
	}
	name := t[:i]
	for j := 0; j < len(name); j++ {
		c := name[j]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || j > 0 && '0' <= c && c <= '9') {
			return "", false
		}
	}
	return name, true
}

// envEdit is the edit shared by the files made of NAME=value lines:
// /etc/environment, a profile.d script and DC/OS proxy.env. join merges
// physical lines into logical ones and reports lines it cannot read; render
// formats one assignment. With lf, the lines of the edit end with LF even
// in a CRLF file: pam_env and sh keep a CR in the value, so a CRLF line
// would give every client a proxy URL ending in CR (systemd, which reads
// proxy.env, takes CR as a line break).
func envEdit(format string, vars []envVar, lf bool, join func([]line) ([]line, error), render func(envVar) string) Edit {
	owned := make(map[string]bool, len(vars))
	var (
		want   []keyedLine
		remove []string
	)
	for _, v := range vars {
		owned[v.name] = true
		if v.value == "" {
			remove = append(remove, v.name)
		} else {
			want = append(want, keyedLine{v.name, render(v)})
		}
	}
	return func(old []byte) ([]byte, error) {
		if err := checkInput(format, old); err != nil {
			return nil, err
		}
		ls, err := join(splitLines(old))
		if err != nil {
			return nil, err
		}
		for i := range ls {
			if k, ok := envKey(ls[i].text); ok && owned[k] {
				ls[i].key = k
			}
		}
		out := setKeyed(ls, want, remove, -1)
		if lf {
			for i := range out {
				if out[i].key != "" && out[i].eol == "\r\n" {
					out[i].eol = "\n"
				}
			}
		}
		return joinLines(out), nil
	}
}
