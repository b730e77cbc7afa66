package redact

import (
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/secret"
)

// Marker is what a masked credential shows: the module's one redaction
// marker, which a [secret.Secret] (proxyenv.Secret, truststore.Password)
// prints too.
const Marker = secret.Redacted

// A Masker replaces every form of a set of credentials (see [Forms]), and the
// password of every URL's userinfo, with [Marker]. It is immutable; the zero
// Masker masks URL passwords only.
type Masker struct {
	r *strings.Replacer
}

// New returns a Masker for secrets. Empty values are ignored.
func New(secrets ...string) *Masker {
	seen := map[string]bool{}
	var forms []string
	for _, s := range secrets {
		if s == "" || s == Marker {
			continue
		}
		for _, f := range Forms(s) {
			if f != "" && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	if len(forms) == 0 {
		return &Masker{}
	}
	// Longest first: at one position the replacer takes the first form
	// listed that matches, and a longer form must win over its prefix.
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	args := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		args = append(args, f, Marker)
	}
	return &Masker{r: strings.NewReplacer(args...)}
}

// Mask returns s with every form of the Masker's secrets and every URL
// userinfo password replaced by [Marker].
func (m *Masker) Mask(s string) string {
	if m != nil && m.r != nil {
		s = m.r.Replace(s)
	}
	return MaskUserinfo(s)
}

// MaskUserinfo replaces the password of every URL's userinfo in s
// ("scheme://user:password@host") with [Marker], registered or not.
func MaskUserinfo(s string) string {
	var b strings.Builder
	rest := s
	for {
		u, ok := nextUserinfo(rest)
		if !ok {
			break
		}
		b.WriteString(rest[:u.pw])
		b.WriteString(Marker)
		rest = rest[u.end:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// userinfo locates one URL password: s[pw:end] is the password, s[end] the
// '@' that ends it.
type userinfo struct{ pw, end int }

// nextUserinfo finds the first "scheme://user:password@" in s. The
// authority runs to a blank, a quote, '<' or '>'; the userinfo to the last
// '@' in it before a '/', '?' or '#' that follows the '@', so a password
// written raw with '@' or '/' in it is masked whole.
func nextUserinfo(s string) (userinfo, bool) {
	off := 0
	for {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			return userinfo{}, false
		}
		i += off
		if !schemeBefore(s, i) {
			off = i + 3
			continue
		}
		start := i + 3
		end := start
		for end < len(s) && !strings.ContainsRune(" \t\r\n\"'<>`", rune(s[end])) {
			end++
		}
		auth := s[start:end]
		at := strings.LastIndexByte(auth, '@')
		if at < 0 {
			off = end
			continue
		}
		colon := strings.IndexByte(auth[:at], ':')
		if colon < 0 || colon == at-1 {
			off = start + at + 1
			continue
		}
		return userinfo{pw: start + colon + 1, end: start + at}, true
	}
}

// schemeBefore reports whether "://" at i follows a URL scheme.
func schemeBefore(s string, i int) bool {
	j := i
	for j > 0 {
		c := s[j-1]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' {
			j--
			continue
		}
		break
	}
	if j == i {
		return false
	}
	c := s[j]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
