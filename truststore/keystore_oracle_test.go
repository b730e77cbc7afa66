package truststore_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/truststore"
	"github.com/stretchr/testify/require"
)

// javaStore is what Java reports for one keystore.
type javaStore struct {
	typ     string
	entries map[string]string // alias → "trusted|key SHA-256 millis"
	trusts  bool
	keytool string // keytool -list -v output, where asked for
}

// runJavaOracle asks one JVM about every file: its detected type, entries,
// and whether a TrustManagerFactory built from it trusts leaf; for files
// written "+path", keytool -list -v as well.
func runJavaOracle(t *testing.T, java string, leaf []byte, files []string) map[string]javaStore {
	t.Helper()
	dir := t.TempDir()
	leafPath := filepath.Join(dir, "leaf.pem")
	require.NoError(t, os.WriteFile(leafPath, leaf, 0o644))
	args := append([]string{
		"--add-exports", "java.base/sun.security.tools.keytool=ALL-UNNAMED",
		filepath.Join("testdata", "oracle", "KeystoreOracle.java"), leafPath, "changeit",
	}, files...)
	out, err := exec.Command(java, args...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	stores := map[string]javaStore{}
	var cur, listing string
	var keytool *strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if keytool != nil {
			if line == "KEYTOOL-END" {
				s := stores[listing]
				s.keytool = keytool.String()
				stores[listing] = s
				keytool = nil
			} else {
				keytool.WriteString(line + "\n")
			}
			continue
		}
		f := strings.Fields(line)
		switch f[0] {
		case "KEYTOOL-BEGIN":
			listing, keytool = f[1], &strings.Builder{}
		case "STORE":
			cur = f[1]
			s := stores[cur]
			s.typ, s.entries = strings.Join(f[2:], " "), map[string]string{}
			stores[cur] = s
		case "ENTRY":
			stores[cur].entries[f[1]] = strings.Join(f[2:], " ")
		case "TRUST":
			s := stores[cur]
			s.trusts = f[1] == "true"
			stores[cur] = s
		default:
			t.Logf("java: %s", line)
		}
	}
	return stores
}

// TestKeystoreOracles has Java load every store before and after adding the
// proxy CA, and after removing it again: the entries must be the old ones
// (same aliases, fingerprints and, for JKS, creation dates) plus the new one,
// and a TrustManagerFactory from the store must trust a leaf signed by the
// proxy CA only after the add. One JVM answers for every file; keytool -list
// -v checks the two edited distribution stores.
func TestKeystoreOracles(t *testing.T) {
	java := oracle.Require(t, "java")
	oracle.Require(t, "keytool") // run inside the same JVM, see KeystoreOracle.java
	t.Log(oracle.Version(java, "-version"))
	proxyX := issue(t, certSpec{name: "Corp Proxy CA", org: "Proxykit Test", ca: true}, nil)
	proxy, err := truststore.ParseCertificate(proxyX.Raw)
	require.NoError(t, err)
	leaf, err := truststore.ParseCertificate(issue(t, certSpec{name: "proxied.example", dns: "proxied.example"}, proxyX).Raw)
	require.NoError(t, err)

	dir := t.TempDir()
	var files []string
	write := func(name string, b []byte, keytool bool) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		if keytool {
			files = append(files, "+"+p)
		} else {
			files = append(files, p)
		}
		return p
	}
	type trio struct{ name, before, after, removed string }
	var trios []trio
	for i, tc := range storeCases(t) {
		after, err := truststore.AddToKeystore(proxy, "corp-proxy", tc.opts...)(tc.in)
		require.NoError(t, err)
		removed, err := truststore.RemoveFromKeystore(proxy.Fingerprint(), tc.opts...)(after)
		require.NoError(t, err)
		tr := trio{name: tc.name}
		distribution := i == 0 || i == 2 // the Debian JKS and the JDK's PKCS12
		if tc.in != nil {
			tr.before = write(fmt.Sprintf("%d-before", i), tc.in, distribution)
			tr.removed = write(fmt.Sprintf("%d-removed", i), removed, false)
		}
		tr.after = write(fmt.Sprintf("%d-after", i), after, distribution)
		trios = append(trios, tr)
	}
	stores := runJavaOracle(t, java, leaf.PEM(), files)

	for _, tr := range trios {
		t.Run(tr.name, func(t *testing.T) {
			after := stores[tr.after]
			require.True(t, after.trusts, "Java trusts the leaf after the add")
			require.Regexp(t, "^trusted "+regexp.QuoteMeta(proxy.Fingerprint().String())+" ", after.entries["corp-proxy"])
			if tr.before == "" {
				require.Len(t, after.entries, 1)
				return
			}
			before, removed := stores[tr.before], stores[tr.removed]
			require.False(t, before.trusts, "Java rejects the leaf before the add")
			require.False(t, removed.trusts, "Java rejects the leaf after the remove")
			require.Equal(t, before.typ, after.typ, "format kept")
			require.Len(t, after.entries, len(before.entries)+1)
			for alias, e := range before.entries {
				if before.typ == "JKS" {
					require.Equal(t, e, after.entries[alias], "entry and date kept")
					require.Equal(t, e, removed.entries[alias])
				} else { // PKCS12 stores no dates for certificates: Java reports the load time
					require.Equal(t, strings.Fields(e)[:2], strings.Fields(after.entries[alias])[:2])
					require.Equal(t, strings.Fields(e)[:2], strings.Fields(removed.entries[alias])[:2])
				}
			}
			require.Len(t, removed.entries, len(before.entries), "remove restores the entry set")
		})
	}

	// keytool -list -v on the edited distribution stores.
	for _, i := range []int{0, 2} {
		tr := trios[i]
		got := keytoolEntries(stores[tr.after].keytool)
		want := keytoolEntries(stores[tr.before].keytool)
		require.NotEmpty(t, want, tr.name)
		require.Equal(t, proxy.Fingerprint().String(), got["corp-proxy"].sha256, tr.name)
		for alias, e := range want {
			require.Equal(t, e.sha256, got[alias].sha256, alias)
			if strings.HasSuffix(tr.name, "JKS") {
				require.Equal(t, e.created, got[alias].created, alias)
			}
		}
		require.Len(t, got, len(want)+1)
	}
}

type keytoolEntry struct{ created, sha256 string }

// keytoolEntries reads "Alias name:", "Creation date:" and "SHA256:" from
// keytool -list -v.
func keytoolEntries(out string) map[string]keytoolEntry {
	m := map[string]keytoolEntry{}
	var alias string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "Alias name":
			alias = v
			m[alias] = keytoolEntry{}
		case "Creation date":
			e := m[alias]
			e.created = v
			m[alias] = e
		case "SHA256":
			e := m[alias]
			if e.sha256 == "" {
				e.sha256 = v
			}
			m[alias] = e
		}
	}
	return m
}
