package dockerhost

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// standInCompose is a recording stand-in for docker-compose: it logs its
// arguments, and runs the command of "exec -T SERVICE CMD…" here, with the
// container paths it is given (/conda/…, /usr/…, /etc/…) moved under
// $FAKE/SERVICE, the service's file system, and $SVC naming the service.
const standInCompose = `#!/bin/sh
printf '%s\n' "$*" >>"$LOG"
while [ $# -gt 0 ] && [ "$1" != exec ]; do shift; done
[ $# -gt 0 ] || exit 0
shift 2
svc=$1
shift
for a do
	shift
	case $a in /conda/*|/usr/*|/etc/*) a=$FAKE/$svc$a ;; esac
	set -- "$@" "$a"
done
SVC=$svc exec "$@"
`

// composeOnly runs the compose actions with a real Exec and skips every
// other (systemctl, update-ca-certificates), which would change the host.
type composeOnly struct{ exec plan.Exec }

func (r composeOnly) Run(ctx context.Context, a plan.Action) error {
	if strings.HasPrefix(a.Name, "compose ") {
		return r.exec.Run(ctx, a)
	}
	return plan.ErrSkipped
}

// TestComposeContainerStepsRunOnce applies the compose mode with a CA
// against the stand-in: each docker-compose command runs once, in order;
// the CA is appended to the bundle of the container that lacks it and not
// to that of the one that has it; update-ca-trust runs only in the one
// whose system bundle lacks it (the other has the override's mount); a
// second apply runs nothing; and running the step again changes nothing.
func TestComposeContainerStepsRunOnce(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	require.NoError(t, writeSample(root, "host"))
	bin, fake, log := filepath.Join(dir, "bin"), filepath.Join(dir, "containers"), filepath.Join(dir, "log")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "docker-compose"), []byte(standInCompose), 0o755))
	// update-ca-trust: logs, and puts the anchor in the system bundle.
	require.NoError(t, os.WriteFile(filepath.Join(bin, "update-ca-trust"), []byte("#!/bin/sh\necho update-ca-trust >>\"$LOG\"\n"+
		"cat \"$FAKE/$SVC"+proxyenv.ContainerAnchor+"\" >>\"$FAKE/$SVC"+proxyenv.ContainerSystemBundle+"\"\n"), 0o755))

	caPath := filepath.Join(root, "root", "corp-proxy-ca.pem")
	caPEM, err := os.ReadFile(caPath)
	require.NoError(t, err)
	ca, err := truststore.ParseCertificate(caPEM)
	require.NoError(t, err)
	seed, err := os.ReadFile(filepath.Join(root, "opt/conda/ssl/cacert.pem"))
	require.NoError(t, err)
	withCA, err := truststore.AddToBundle(ca)(seed)
	require.NoError(t, err)
	trust := proxyenv.ComposeTrustCommand(ca.PEM())
	// repo_api kept running with the image's bundles; repo_worker's
	// already hold the CA, as the override mounts them. Both see the
	// anchor as mounted.
	bundles := map[string][]byte{"repo_api": seed, "repo_worker": withCA}
	for svc, b := range bundles {
		for _, p := range []string{proxyenv.ContainerCondaBundle, proxyenv.ContainerSystemBundle} {
			p = filepath.Join(fake, svc, p)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, b, 0o644))
		}
		a := filepath.Join(fake, svc, proxyenv.ContainerAnchor)
		require.NoError(t, os.MkdirAll(filepath.Dir(a), 0o755))
		require.NoError(t, os.WriteFile(a, ca.PEM(), 0o644))
	}

	env := node.Env{Getenv: func(k string) string {
		if k == node.EnvProxyPassword {
			return testPassword
		}
		return ""
	}}
	path := bin + string(os.PathListSeparator) + os.Getenv("PATH")
	t.Setenv("PATH", path) // Exec looks the command up in the program's PATH
	runner := composeOnly{plan.Exec{Env: []string{"PATH=" + path, "LOG=" + log, "FAKE=" + fake}}}
	apply := func() string {
		p := Program(env)
		p.Runner = runner
		var stdout, stderr bytes.Buffer
		code := p.Run([]string{"-root", root, "-proxy", "http://svc@proxy.corp.example:3128", "-ca", caPath,
			"-compose", "/opt/anaconda/repo/docker-compose.yml", "apply"}, &stdout, &stderr)
		require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		for _, out := range []string{stdout.String(), stderr.String()} {
			require.NotContains(t, out, testPassword)
		}
		return stdout.String()
	}
	apply()
	logged, err := os.ReadFile(log)
	require.NoError(t, err)
	project := "--project-directory /opt/anaconda/repo -f /opt/anaconda/repo/docker-compose.yml -f /opt/anaconda/repo/docker-compose.override.yml "
	var want []string
	for _, svc := range []string{"repo_api", "repo_worker"} {
		want = append(want, project+"up -d "+svc)
	}
	for _, svc := range []string{"repo_api", "repo_worker"} {
		want = append(want, project+"exec -T "+svc+" "+strings.Join(trust, " "))
		if svc == "repo_api" {
			want = append(want, "update-ca-trust")
		}
	}
	require.Equal(t, strings.Join(want, "\n")+"\n", string(logged))
	got := func(svc string) []byte {
		b, err := os.ReadFile(filepath.Join(fake, svc, proxyenv.ContainerCondaBundle))
		require.NoError(t, err)
		return b
	}
	require.Equal(t, string(seed)+string(ca.PEM()), string(got("repo_api")), "the CA appended where it was missing")
	require.Equal(t, string(withCA), string(got("repo_worker")), "nothing appended where it was")
	system, err := os.ReadFile(filepath.Join(fake, "repo_worker", proxyenv.ContainerSystemBundle))
	require.NoError(t, err)
	require.Equal(t, string(withCA), string(system), "no update-ca-trust where the mounted system bundle holds the CA")

	// A second apply changes no file, so runs nothing.
	out := apply()
	require.Contains(t, out, "apply: 0 files written, 0 actions run")
	again, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Equal(t, string(logged), string(again))

	// Run the step in repo_api again (as after an undo and apply): the CA
	// is in both bundles, nothing is appended and update-ca-trust does not
	// run.
	require.NoError(t, runner.Run(context.Background(), plan.Action{Name: "compose trust repo_api", Argv: append([]string{
		"docker-compose", "exec", "-T", "repo_api"}, trust...)}))
	require.Equal(t, string(seed)+string(ca.PEM()), string(got("repo_api")))
	again, err = os.ReadFile(log)
	require.NoError(t, err)
	require.Equal(t, "exec -T repo_api "+strings.Join(trust, " ")+"\n",
		strings.TrimPrefix(string(again), string(logged)), "the step logged once, and no update-ca-trust")
}
