package plan_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// TestDiffMasksCredentialsAlreadyOnTheNode: credentials that someone else
// wrote into the files — the plan registers none of them — never show in the
// diff, in the lines removed, added or kept as context; and the diff's own
// sentences are never masked, whatever the password.
func TestDiffMasksCredentialsAlreadyOnTheNode(t *testing.T) {
	auth := base64.StdEncoding.EncodeToString([]byte("alice:Reg1stryPw"))
	old := map[string]string{
		"etc/yum.conf":                  "[main]\ngpgcheck=1\nproxy=http://proxy:3128\nproxy_username=bob\nproxy_password=Yum0ldPw\n",
		"etc/apt/apt.conf.d/80proxy":    "Acquire::http::Proxy \"http://bob:Apt0ldPw@proxy:3128/\";\n",
		"root/.docker/config.json":      `{"auths":{"reg.corp":{"auth":"` + auth + `","identitytoken":"IdT0kenX"},"r2":{"registrytoken":"RegT0kenY"}}}` + "\n",
		"opt/conda/.condarc":            "channels:\n  - defaults\nproxy_servers:\n  http: http://bob:C0ndaPw@proxy:3128\n",
		"etc/systemd/system/x.service":  "[Service]\nEnvironment=\"PROXY_PASSWORD=Un1t Pw\" \"A=1\"\nExecStart=/usr/bin/java -Djavax.net.ssl.trustStorePassword=St0rePw -jar x.jar\n",
		"etc/environment":               "http_proxy=http://bob:Env0ld%40Pw@proxy:3128\n",
		"etc/world-readable-secret.txt": "secret\n",
	}
	dir := t.TempDir()
	writeTree(t, dir, old)
	tg := open(t, dir)
	var p plan.Plan
	p.AddSecret("secret") // the new password is a word the diff's sentences use
	for path := range old {
		p.Add(plan.Step{Path: path, Edit: ensureLine("# managed by proxykit"), Secret: true, Why: "holds a secret"})
	}
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	diff := ch.Diff()
	for _, pw := range []string{"Yum0ldPw", "Apt0ldPw", auth, "Reg1stryPw", "IdT0kenX", "RegT0kenY", "C0ndaPw", "Un1t Pw", "St0rePw", "Env0ld%40Pw", "Env0ld@Pw"} {
		require.NotContains(t, diff, pw)
	}
	require.Contains(t, diff, "proxy_password="+plan.Redacted)
	require.Contains(t, diff, `"auth":"`+plan.Redacted+`"`)
	require.Contains(t, diff, "# etc/yum.conf: holds a secret\n", "the diff's own sentences are not masked")
	require.Contains(t, diff, "--- a/etc/world-readable-secret.txt\n")
	require.Contains(t, diff, "\n "+plan.Redacted+"\n", "a file's line is masked")
	// The values a program shows beside the diff are masked the same way.
	require.Equal(t, "keeps -Djavax.net.ssl.trustStorePassword="+plan.Redacted,
		"keeps -Djavax.net.ssl.trustStorePassword="+ch.Mask("St0rePw"))
	require.False(t, strings.Contains(ch.Mask("proxy_password=Yum0ldPw"), "Yum0ldPw"))
}
