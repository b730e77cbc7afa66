package systemdunit

import (
	"slices"
	"strings"
)

// wordLines returns the source text of each word of a continued
// assignment's value and the physical line (0-based, comment lines not
// counted) each word starts on. ok is false when the block cannot be mapped.
func wordLines(b *block) (words []string, lines []int, comments [][]byte, indent string, ok bool) {
	var joined []byte
	var starts []int // offset in joined where each physical line starts
	for _, pl := range splitLines(b.raw) {
		if isCommentLine(pl.text) {
			if n := len(starts); n > 0 {
				for len(comments) < n {
					comments = append(comments, nil)
				}
				comments[n-1] = append(comments[n-1], pl.raw...)
			}
			continue
		}
		if len(starts) == 1 && indent == "" {
			t := pl.text
			indent = string(t[:len(t)-len(trimLeftSpace(t))])
		}
		starts = append(starts, len(joined))
		t := pl.text
		if len(starts) == 1 {
			t = []byte(strings.TrimPrefix(string(t), bom))
		}
		joined = append(joined, t...)
		if endsEscaped(joined) {
			joined[len(joined)-1] = ' '
		}
	}
	for len(comments) < len(starts) {
		comments = append(comments, nil)
	}
	eq := strings.IndexByte(string(joined), '=')
	if eq < 0 {
		return nil, nil, nil, "", false
	}
	s := string(joined)
	end := len(strings.TrimRight(s, " \t\r\n"))
	for pos := eq + 1; ; {
		w, next, more, err := nextWord(s[:end], pos, true)
		if err != nil {
			return nil, nil, nil, "", false
		}
		if !more {
			break
		}
		words = append(words, s[w.start:w.end])
		line := 0
		for i, st := range starts {
			if st <= w.start {
				line = i
			}
		}
		lines = append(lines, line)
		pos = next
	}
	return words, lines, comments, indent, true
}

func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// splitWords returns the source text of each word of a value the writer
// produced.
func splitWords(value string) ([]string, bool) {
	var words []string
	for pos := 0; ; {
		w, next, more, err := nextWord(value, pos, true)
		if err != nil {
			return nil, false
		}
		if !more {
			return words, true
		}
		words = append(words, value[w.start:w.end])
		pos = next
	}
}

// layoutLike formats key=value over several physical lines grouped as the
// old continued block grouped its words: words kept from the old value stay
// on a line together as before, new words get a line of their own, and a
// comment line inside the old continuation follows the line that now holds
// the words it followed. It returns "" when the old block was a single line
// or cannot be mapped, and the comment lines it could not place.
func layoutLike(old *block, key, value, nl string) (raw string, leftover []byte) {
	if len(splitLines(old.raw)) < 2 {
		return "", nil
	}
	oldWords, oldLines, comments, indent, ok := wordLines(old)
	if !ok {
		return "", nil
	}
	newWords, ok := splitWords(value)
	if !ok || len(newWords) == 0 || len(oldWords)*len(newWords) > maxAlign {
		return "", nil
	}
	if indent == "" {
		indent = "    "
	}
	match := lcs(oldWords, newWords) // new index → old index or -1
	type group struct {
		words []string
		line  int // old physical line, -1 for new words
	}
	var groups []group
	for i, w := range newWords {
		line := -1
		if match[i] >= 0 {
			line = oldLines[match[i]]
		}
		if n := len(groups); n > 0 && line >= 0 && groups[n-1].line == line {
			groups[n-1].words = append(groups[n-1].words, w)
		} else {
			groups = append(groups, group{[]string{w}, line})
		}
	}
	var b strings.Builder
	placed := 0 // comments of old lines < placed are written
	for i, g := range groups {
		line := strings.Join(g.words, " ")
		if i == 0 {
			line = key + "=" + line
		} else {
			line = indent + line
		}
		last := i == len(groups)-1
		if !last {
			line += " \\"
		}
		if len(line)+len(nl) > MaxWriteLine {
			return "", nil
		}
		b.WriteString(line)
		b.WriteString(nl)
		if !last && g.line >= 0 {
			for ; placed <= g.line && placed < len(comments); placed++ {
				b.Write(comments[placed])
			}
		}
	}
	for ; placed < len(comments); placed++ {
		leftover = append(leftover, comments[placed]...)
	}
	return b.String(), leftover
}

// maxAlign bounds the work of aligning old and new words (their product).
const maxAlign = 1 << 18

// lcs aligns b to a by a longest common subsequence and returns, for each
// element of b, the index of its partner in a or -1.
func lcs(a, b []string) []int {
	n, m := len(a), len(b)
	dp := make([][]int, n+1)
	for i := range dp {
		dp[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	out := slices.Repeat([]int{-1}, m)
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			out[j] = i
			i++
			j++
		case dp[i+1][j] >= dp[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}
