package plan_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

// TestDiffMasksWhatProxykitWrites uses the real producers — every proxyenv
// consumer format, systemd Environment= quoting, Java tool options inside
// it — to write a password full of special characters, and checks that the
// diff shows no trace of it. The password's letters and digits survive every
// encoding, so the markers Zq7, Kx9 and Wv3 would show through any form the
// masker missed.
func TestDiffMasksWhatProxykitWrites(t *testing.T) {
	const pw = `Zq7!p@ss'Kx9"$%Wv3\ &<:`
	u := url.URL{Scheme: "http", User: url.UserPassword("alice", pw), Host: "proxy.corp:3128"}
	s, _, err := proxyenv.FromEnvironment([]string{"http_proxy=" + u.String(), "https_proxy=" + u.String(), "no_proxy=localhost"})
	require.NoError(t, err)

	var p plan.Plan
	p.AddSecret(pw)
	add := func(path string) func(proxyenv.Edit, []proxyenv.Warning, error) {
		return func(e proxyenv.Edit, _ []proxyenv.Warning, err error) {
			require.NoError(t, err, path)
			p.Add(plan.Step{Path: path, Edit: e, Secret: true})
		}
	}
	add("etc/environment")(s.EtcEnvironment())
	add("etc/profile.d/proxy.sh")(s.ProfileScript())
	add("etc/apt/apt.conf.d/80proxy")(s.AptConf())
	add("etc/yum.conf")(s.YumConf())
	add("opt/conda/.condarc")(s.Condarc())
	add("etc/docker/daemon.json")(s.DockerDaemonJSON())
	add("root/.docker/config.json")(s.DockerClientConfig())
	add("opt/mesosphere/etc/proxy.env")(s.DCOSProxyEnv())

	env, _ := s.DockerDaemonEnv()
	envLine, err := systemdunit.FormatEnvironment(env...)
	require.NoError(t, err)
	opts, err := jvmflags.FormatToolOptions([]string{"-Dhttp.proxyUser=alice", "-Dhttp.proxyPassword=" + pw})
	require.NoError(t, err)
	javaLine, err := systemdunit.FormatEnvironment("JAVA_TOOL_OPTIONS=" + opts)
	require.NoError(t, err)
	dropIn := "[Service]\nEnvironment=" + envLine + "\nEnvironment=" + javaLine + "\n"
	p.Add(plan.Step{Path: "etc/systemd/system/docker.service.d/http-proxy.conf", Edit: constant(dropIn), Secret: true})

	tg := open(t, t.TempDir())
	ch, err := tg.Compute(&p)
	require.NoError(t, err)
	diff := ch.Diff()
	require.Contains(t, diff, "JAVA_TOOL_OPTIONS")
	for _, marker := range []string{"Zq7", "Kx9", "Wv3"} {
		for _, line := range strings.Split(diff, "\n") {
			require.NotContains(t, line, marker, "the password shows through")
		}
	}
}
