package truststore

import (
	"path"
	"strings"
)

// Skipped is a store [Changes] leaves out on purpose, because a pattern of
// [ChangeOptions.Skip] matches it.
type Skipped struct {
	Store Store
	// Pattern is the pattern that matches, as an absolute path:
	// "/opt/mesosphere/packages/*".
	Pattern string
}

// Matches reports whether pattern ([path.Match] syntax, an absolute path;
// the leading "/" may be left out) names the store: its path as found, the
// file it resolves to, or another link to it, or a directory above any of
// them. "/usr/lib/jvm/*/lib/security/cacerts" and "/usr/lib/jvm" both match
// the keystore of /usr/lib/jvm/java-17/lib/security/cacerts, and so does
// "/etc/ssl/certs/java/cacerts" when that is the file it links to. A store
// without a path (the system store of an unknown distribution) matches
// nothing.
func (st Store) Matches(pattern string) bool {
	if st.Path == "" {
		return false
	}
	pattern = "/" + strings.Trim(pattern, "/")
	for _, p := range append([]string{st.Path, st.Real}, st.Links...) {
		if p == "" {
			continue
		}
		for q := "/" + p; q != "/"; q = path.Dir(q) {
			if ok, _ := path.Match(pattern, q); ok {
				return true
			}
		}
	}
	return false
}

// skipped returns the first of patterns that matches st, made absolute.
func skipped(patterns []string, st Store) (string, bool) {
	for _, pat := range patterns {
		if st.Matches(pat) {
			return "/" + strings.Trim(pat, "/"), true
		}
	}
	return "", false
}
