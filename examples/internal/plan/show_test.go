package plan_test

import (
	"fmt"
	"log"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestFileDiffsMaskSecretsAndSummariseBinaries: each changed file's whole
// before and after, every encoding of the password masked (in the old
// content too), keystores summarised, unchanged files left out.
func TestFileDiffsMaskSecretsAndSummariseBinaries(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"etc/environment":            "LANG=C\nhttp_proxy=http://bob:hunter2@old.corp:3128\n",
		"etc/ssl/certs/java/cacerts": "\xfe\xed\xfe\xed\x00\x00\x00\x02",
		"etc/unchanged":              "same\n",
	})
	tg := open(t, dir)
	var p plan.Plan
	p.AddSecret(password)
	forms := secretForms()
	p.Add(
		plan.Step{Path: "etc/environment", Edit: constant("LANG=C\n" + forms["etc/environment"]), Secret: true},
		plan.Step{Path: "root/.docker/config.json", Edit: constant(forms["root/.docker/config.json"]), Secret: true},
		plan.Step{Path: "etc/ssl/certs/java/cacerts", Edit: constant("\xfe\xed\xfe\xed\x00\x00\x00\x03")},
		plan.Step{Path: "etc/unchanged", Edit: identity},
	)
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	diffs := ch.FileDiffs()
	require.Len(t, diffs, 3)
	for _, d := range diffs {
		for _, s := range []string{d.Before, d.After} {
			require.NotContains(t, s, password)
			require.NotContains(t, s, "hunter2")
			require.NotContains(t, s, "p%40ss")
		}
	}
	require.Equal(t, "etc/environment", diffs[0].Path)
	require.Equal(t, "LANG=C\nhttp_proxy=http://bob:"+plan.Redacted+"@old.corp:3128\n", diffs[0].Before)
	require.Equal(t, "LANG=C\nhttp_proxy=http://alice:"+plan.Redacted+"@proxy.corp:3128\n", diffs[0].After)
	require.Equal(t, "root/.docker/config.json", diffs[1].Path)
	require.Empty(t, diffs[1].Before, "a new file has no before")
	require.Contains(t, diffs[1].After, plan.Redacted)
	require.True(t, strings.HasPrefix(diffs[2].Before, "(binary content, 8 bytes, SHA-256 "), diffs[2].Before)
	require.NotEqual(t, diffs[2].Before, diffs[2].After)
}

// Each file's whole before and after, secrets masked: what Ansible's --diff
// shows.
func ExampleChanges_FileDiffs() {
	dir := exampleRoot()
	defer os.RemoveAll(dir)
	t, err := plan.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	var p plan.Plan
	p.AddSecret("s3cret")
	p.Add(plan.Step{Path: "etc/environment", Edit: appendOnce("http_proxy=http://bob:s3cret@proxy:3128"), Secret: true})
	ch, err := t.Compute(&p)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range ch.FileDiffs() {
		fmt.Printf("%s\nbefore:\n%safter:\n%s", d.Path, d.Before, d.After)
	}
	// Output:
	// etc/environment
	// before:
	// LANG=C.UTF-8
	// after:
	// LANG=C.UTF-8
	// http_proxy=http://bob:xxxxx@proxy:3128
}
