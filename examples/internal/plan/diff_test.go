package plan_test

import (
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// password uses every character some encoding treats specially.
const password = `p@ss:w%rd/'"$x\ ü&<`

// Each form below is how a consumer's file holds the password; the edits
// write them and the diff must show none.
func secretForms() map[string]string {
	u := &url.URL{Scheme: "http", User: url.UserPassword("alice", password), Host: "proxy.corp:3128"}
	proxyURL := u.String()
	jsonURL, _ := json.Marshal(map[string]string{"httpProxy": proxyURL})
	single := "'" + strings.ReplaceAll(proxyURL, "'", `'\''`) + "'"
	double := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(password) + `"`
	var backslashed strings.Builder
	for _, r := range password {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f) {
			backslashed.WriteByte('\\')
		}
		backslashed.WriteRune(r)
	}
	return map[string]string{
		"etc/environment":                       "http_proxy=" + proxyURL + "\n",
		"etc/systemd/system/x.service.d/p.conf": "[Service]\nEnvironment=\"HTTP_PROXY=" + strings.ReplaceAll(proxyURL, "%", "%%") + "\"\n",
		"root/.docker/config.json":              string(jsonURL) + "\n",
		"etc/profile.d/proxy.sh":                "export http_proxy=" + single + "\nexport PW=" + double + "\nPW2=" + backslashed.String() + "\n",
		"etc/app/query.conf":                    "url=https://auth.corp/login?user=alice&password=" + url.QueryEscape(password) + "\n",
		"etc/app/raw.properties":                "-Dhttp.proxyPassword=" + password + "\n",
		"etc/app/json-escaped":                  string(must(json.Marshal(password))) + "\n",
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestDiffMasksSecretsInEveryEncoding(t *testing.T) {
	dir := t.TempDir()
	// The old file holds a password the plan does not know (being rotated).
	writeTree(t, dir, map[string]string{"etc/environment": "http_proxy=http://bob:hunter2@old.corp:3128\n"})
	tg := open(t, dir)
	var p plan.Plan
	p.AddSecret(password, "")
	forms := secretForms()
	for path, content := range forms {
		p.Add(plan.Step{Path: path, Edit: constant(content), Secret: true})
	}
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	diff := ch.Diff()
	require.NotContains(t, diff, password)
	require.NotContains(t, diff, "hunter2", "a URL's password is masked even when not registered")
	for path, content := range forms {
		for _, line := range strings.Split(strings.TrimSpace(content), "\n") {
			if line == "[Service]" {
				continue // the one line without the password
			}
			require.NotContains(t, diff, line, "%s leaks", path)
		}
	}
	for _, piece := range []string{"p@ss", "ss:w", "w%rd", "p%40ss", "w%25rd", "w%%25rd"} {
		require.NotContains(t, diff, piece)
	}
	require.Contains(t, diff, "http://alice:"+plan.Redacted+"@proxy.corp:3128")
	require.Contains(t, diff, "http://bob:"+plan.Redacted+"@old.corp:3128")
	require.Contains(t, diff, "-Dhttp.proxyPassword="+plan.Redacted)
}

// TestDiffGolden shows the diff's format: why, links, new files and their
// mode, a missing final newline, binary files, secrets.
func TestDiffGolden(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"etc/environment":            "LANG=C\nPATH=/usr/bin\nEDITOR=vi\nPAGER=less\nTZ=UTC\n",
		"etc/noeol":                  "first\nlast",
		"etc/ssl/certs/java/cacerts": "\xfe\xed\xfe\xed\x00\x00\x00\x02",
		"etc/world-readable.conf":    "",
	})
	symlink(t, "/etc/ssl/certs/java/cacerts", dir, "usr/lib/jvm/java-17/lib/security/cacerts")
	tg := open(t, dir)
	var p plan.Plan
	p.AddSecret("s3cret")
	p.AddAction(plan.Action{Name: "reload", Argv: []string{"systemctl", "daemon-reload"}})
	p.Add(
		plan.Step{Path: "etc/environment", Edit: setLine("http_proxy", "http://u:s3cret@proxy:3128"), Why: "proxy for every login", Secret: true},
		plan.Step{Path: "etc/environment", Edit: setLine("no_proxy", "localhost"), Why: "hosts reached directly"},
		plan.Step{Path: "etc/noeol", Edit: ensureLine("added")},
		plan.Step{Path: "usr/lib/jvm/java-17/lib/security/cacerts", Edit: constant("\xfe\xed\xfe\xed\x00\x00\x00\x03"), Why: "trust the proxy's CA"},
		plan.Step{Path: "etc/systemd/system/docker.service.d/http-proxy.conf", Edit: constant("[Service]\nEnvironment=\"HTTPS_PROXY=http://u:s3cret@proxy:3128\"\n"), Secret: true, Why: "proxy for the Docker daemon", Actions: []string{"reload"}},
		plan.Step{Path: "etc/world-readable.conf", Edit: constant("password=s3cret\n"), Secret: true},
		plan.Step{Path: "etc/unchanged", Edit: identity},
	)
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	golden(t, "diff.golden", ch.Diff())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err, "run go test -update to create it")
	require.Equal(t, string(want), got)
}
