package dcosnode

import (
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/truststore"
)

// sampleRoot writes the sample node into a fresh directory.
func sampleRoot(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	require.NoError(tb, writeSample(dir))
	return dir
}

// testProgram is dcos-node with the test password in its environment and
// actions recorded instead of run.
func testProgram(rec plan.Runner) *node.Program {
	p := program(node.Env{Getenv: func(k string) string {
		if k == node.EnvProxyPassword {
			return testPassword
		}
		return ""
	}})
	p.Runner = rec
	return p
}

func sampleArgs(root string, extra ...string) []string {
	return append([]string{"-root", root, "-proxy", "http://svc-dcos@proxy.example.com:3128",
		"-no-proxy", ".corp.example,10.0.0.0/8", "-ca", filepath.Join(root, "root", "corporate-proxy-ca.pem")}, extra...)
}

// TestActionsRunOnceOnlyForWhatChanged runs the follow-up commands through a
// recording Runner: each once and in order (stores rebuilt, then systemd
// reloaded, then services restarted), none when nothing changed, and only
// those of the files that changed.
func TestActionsRunOnceOnlyForWhatChanged(t *testing.T) {
	root := sampleRoot(t)
	rec := &plan.Recorder{}
	run := func(args ...string) int {
		t.Helper()
		var out, errb strings.Builder
		code := testProgram(rec).Run(args, &out, &errb)
		require.NotContains(t, out.String()+errb.String(), testPassword)
		return code
	}

	require.Equal(t, node.ExitOK, run(sampleArgs(root, "apply")...))
	require.Equal(t, []string{
		"update-ca-trust extract", "daemon-reload", "restart docker", "restart dcos-mesos-master",
		"restart dcos-cosmos", "restart dcos-marathon", "restart dcos-metronome",
	}, rec.Ran())

	t.Run("nothing changed: no action", func(t *testing.T) {
		rec.Reset()
		require.Equal(t, node.ExitOK, run(sampleArgs(root, "apply")...))
		require.Empty(t, rec.Ran())
	})

	t.Run("another no-proxy list: Docker, the JVMs and the readers of proxy.env restart, the CA stays", func(t *testing.T) {
		rec.Reset()
		args := sampleArgs(root, "apply")
		args[slices.Index(args, "-no-proxy")+1] = ".corp.example"
		require.Equal(t, node.ExitOK, run(args...))
		require.Equal(t, []string{"daemon-reload", "restart docker", "restart dcos-mesos-master", "restart dcos-cosmos", "restart dcos-marathon", "restart dcos-metronome"}, rec.Ran())
	})

	t.Run("undo runs the actions of what it restored", func(t *testing.T) {
		rec.Reset()
		require.Equal(t, node.ExitOK, run("-root", root, "undo"))
		require.Contains(t, rec.Ran(), "update-ca-trust extract")
		require.Contains(t, rec.Ran(), "restart docker")
	})
}

// TestMesosphereEnvironmentNeverGetsTheProxy checks that the proxy never goes
// into /opt/mesosphere/environment, and that -fix-mesosphere-environment
// removes the variables a person put there by hand, keeping every other line.
func TestMesosphereEnvironmentNeverGetsTheProxy(t *testing.T) {
	root := sampleRoot(t)
	envFile := filepath.Join(root, "opt/mesosphere/environment")
	before, err := os.ReadFile(envFile)
	require.NoError(t, err)

	var out strings.Builder
	require.Equal(t, node.ExitOK, testProgram(plan.NoActions).Run(sampleArgs(root, "apply"), io.Discard, &out))
	after, err := os.ReadFile(envFile)
	require.NoError(t, err)
	require.Equal(t, string(before), string(after))
	require.Contains(t, out.String(), "dcos-node: warning: /opt/mesosphere/environment: sets http_proxy, https_proxy: ")

	out.Reset()
	require.Equal(t, node.ExitOK, testProgram(plan.NoActions).Run(sampleArgs(root, "-fix-mesosphere-environment", "apply"), io.Discard, &out))
	after, err = os.ReadFile(envFile)
	require.NoError(t, err)
	want := strings.ReplaceAll(string(before), "http_proxy=http://proxy.example.com:3128\nhttps_proxy=http://proxy.example.com:3128\n", "")
	require.Equal(t, want, string(after))
	require.NotContains(t, out.String(), "warning: /opt/mesosphere/environment")
}

// BenchmarkPlanApply is a whole run of dcos-node on the sample DC/OS
// master: plan (diff included), then apply of its 13 files, in process.
// Writing the sample node for each iteration is not timed.
func BenchmarkPlanApply(b *testing.B) {
	p := testProgram(plan.NoActions)
	for b.Loop() {
		b.StopTimer()
		root := b.TempDir()
		require.NoError(b, writeSample(root))
		b.StartTimer()
		if code := p.Run(sampleArgs(root, "plan"), io.Discard, io.Discard); code != node.ExitPending {
			b.Fatalf("plan exited %d", code)
		}
		if code := p.Run(sampleArgs(root, "apply"), io.Discard, io.Discard); code != node.ExitOK {
			b.Fatalf("apply exited %d", code)
		}
	}
}

// BenchmarkPlanNothingToDo is the run a cron job or a configuration
// management tool repeats: a plan of a node already as planned.
func BenchmarkPlanNothingToDo(b *testing.B) {
	p := testProgram(plan.NoActions)
	root := sampleRoot(b)
	require.Equal(b, node.ExitOK, p.Run(sampleArgs(root, "apply"), io.Discard, io.Discard))
	for b.Loop() {
		if code := p.Run(sampleArgs(root, "plan"), io.Discard, io.Discard); code != node.ExitOK {
			b.Fatalf("plan exited %d", code)
		}
	}
}

// TestCAInDERAndOtherAlias gives the CA as DER under another alias: the same
// certificate lands in the system store under the alias's name, and in the
// keystores under the alias.
func TestCAInDERAndOtherAlias(t *testing.T) {
	root := sampleRoot(t)
	pemData, err := os.ReadFile(filepath.Join(root, "root", "corporate-proxy-ca.pem"))
	require.NoError(t, err)
	block, _ := pem.Decode(pemData)
	require.NotNil(t, block)
	der := filepath.Join(t.TempDir(), "ca.der")
	require.NoError(t, os.WriteFile(der, block.Bytes, 0o644))

	args := sampleArgs(root, "-ca-alias", "example_corp", "apply")
	args[slices.Index(args, "-ca")+1] = der
	var out strings.Builder
	require.Equal(t, node.ExitOK, testProgram(plan.NoActions).Run(args, io.Discard, &out), out.String())
	require.Contains(t, out.String(), `as "example_corp"`, "the CA's alias is in a note, on stderr")
	anchor, err := os.ReadFile(filepath.Join(root, "etc/pki/ca-trust/source/anchors/example_corp.crt"))
	require.NoError(t, err)
	require.Equal(t, string(pemData), string(anchor))
	ks, err := os.ReadFile(filepath.Join(root, "opt/mesosphere/packages/java--a4fcaafbfd646f34641226bd8732095525c6e229/usr/java/jre/lib/security/cacerts"))
	require.NoError(t, err)
	entries, _, err := truststore.ListKeystore(ks)
	require.NoError(t, err)
	var aliases []string
	for _, e := range entries {
		aliases = append(aliases, e.Alias)
	}
	require.Contains(t, aliases, "example_corp")
}

// TestFailedActionIsAnErrorAfterTheFiles makes a follow-up command fail: the
// files are all written, the other actions still run, and the exit status
// and the message say which command failed.
func TestFailedActionIsAnErrorAfterTheFiles(t *testing.T) {
	root := sampleRoot(t)
	rec := &plan.Recorder{Fail: map[string]error{"restart docker": errors.New("exit status 1")}}
	var out, errb strings.Builder
	code := testProgram(rec).Run(sampleArgs(root, "apply"), &out, &errb)
	require.Equal(t, node.ExitError, code)
	require.Contains(t, errb.String(), "dcos-node: error: action restart docker (systemctl restart docker.service): exit status 1")
	require.Contains(t, out.String(), "failed   systemctl restart docker.service")
	require.Contains(t, rec.Ran(), "restart dcos-cosmos")
	require.Contains(t, out.String(), "apply: 13 files written, 6 actions run")
}

// TestJSONReport checks the shape other tools read: plan, then apply, then
// verify, as JSON.
func TestJSONReport(t *testing.T) {
	root := sampleRoot(t)
	run := func(cmd string) node.Report {
		t.Helper()
		var out strings.Builder
		testProgram(nil).Run(sampleArgs(root, "-json", cmd), &out, io.Discard)
		require.NotContains(t, out.String(), testPassword)
		var r node.Report
		require.NoError(t, json.Unmarshal([]byte(out.String()), &r), out.String())
		return r
	}
	p := run("plan")
	require.Equal(t, "plan", p.Command)
	require.Equal(t, node.ExitPending, p.Exit)
	require.Len(t, p.Files, 13)
	require.Contains(t, p.Diff, "+proxy_password=xxxxx")
	require.Equal(t, "http://svc-dcos:xxxxx@proxy.example.com:3128", p.Proxy.HTTP)
	require.NotEmpty(t, p.Warnings)
	var statuses []string
	for _, a := range p.Actions {
		statuses = append(statuses, a.Status)
	}
	require.Equal(t, slices.Repeat([]string{"pending"}, 7), statuses)

	a := run("apply")
	require.Equal(t, node.ExitOK, a.Exit)
	for _, f := range a.Files {
		require.Contains(t, []string{"created", "written"}, f.Status, f.Path)
	}
	for _, x := range a.Actions {
		require.Equal(t, "skipped", x.Status)
		require.Equal(t, "the root is not /; run it inside the root", x.Reason)
	}

	v := run("verify")
	require.Equal(t, node.ExitOK, v.Exit)
	require.Empty(t, v.Diff)
	require.Empty(t, v.Actions)
}
