package jvmflags_test

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

func unitFile(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }

func unitLink(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
}

// javaNode is a node with DC/OS-like services: one started by java, one by
// a start script, one not Java at all, one systemd refuses, one masked, one
// reached through a link, one with a drop-in that overrides ours.
func javaNode() fstest.MapFS {
	return fstest.MapFS{
		"opt/pkg/cosmos/dcos-cosmos.service":                           unitFile("[Service]\nExecStart=/opt/java/bin/java -Xmx1g -classpath /opt/cosmos.jar com.mesosphere.cosmos.Cosmos\n"),
		"etc/systemd/system/dcos-cosmos.service":                       unitLink("/opt/pkg/cosmos/dcos-cosmos.service"),
		"etc/systemd/system/dcos-marathon.service":                     unitFile("[Service]\nExecStart=/opt/marathon/bin/marathon --master zk://x\n"),
		"etc/systemd/system/dcos-mesos-master.service":                 unitFile("[Service]\nExecStart=/opt/mesos/bin/mesos-master\n"),
		"etc/systemd/system/dcos-broken.service":                       unitFile("[Service]\nExecStart=/usr/bin/java -jar a.jar\nExecStart=/usr/bin/java -jar b.jar\n"),
		"etc/systemd/system/dcos-metronome.service":                    unitLink("/dev/null"),
		"etc/systemd/system/dcos-heap.service":                         unitFile("[Service]\nExecStart=/usr/bin/java -classpath /opt/h.jar H\n"),
		"etc/systemd/system/dcos-heap.service.d/zz-x.conf":             unitFile("[Service]\nExecStart=\nExecStart=/usr/bin/java -Xmx4g -classpath /opt/h.jar H\n"),
		"etc/systemd/system/dcos-cosmos.service.d/old.conf":            unitFile("[Service]\nEnvironment=A=1\n"),
		"etc/systemd/system/unrelated.service":                         unitFile("[Service]\nExecStart=/usr/bin/java -jar u.jar\n"),
		"etc/systemd/system/dcos-cosmos.service.d/proxykit-proxy.conf": unitFile("[Service]\nExecStart=\nExecStart=/opt/java/bin/java -Dstale=1 -classpath /opt/cosmos.jar com.mesosphere.cosmos.Cosmos\n"),
	}
}

func TestServicesFindsTheJavaServicesOfANode(t *testing.T) {
	p := jvmflags.Patch{Set: []jvmflags.Property{{Key: "http.proxyHost", Value: "proxy.corp"}}, Before: jvmflags.ClassPathOptions}
	changes, left, err := jvmflags.Services(javaNode(), p, jvmflags.ServiceOptions{
		Known:    []string{"dcos-cosmos.service", "dcos-marathon.service", "dcos-metronome.service", "dcos-absent.service"},
		Patterns: []string{"dcos-*.service"},
	})
	require.NoError(t, err)
	var got []string
	for _, c := range changes {
		line := fmt.Sprintf("%s → %s", c.Unit, c.Path)
		if c.Script != "" {
			line += " via JAVA_TOOL_OPTIONS (" + c.Script + ")"
		}
		for _, o := range c.Overrides {
			line += fmt.Sprintf(" [hidden by %s execstart=%v keys=%v]", o.File, o.ExecStart, o.Keys)
		}
		got = append(got, line)
	}
	assert.Equal(t, []string{
		"dcos-cosmos.service → etc/systemd/system/dcos-cosmos.service.d/proxykit-proxy.conf",
		"dcos-marathon.service → etc/systemd/system/dcos-marathon.service.d/proxykit-proxy.conf via JAVA_TOOL_OPTIONS (/opt/marathon/bin/marathon)",
		"dcos-heap.service → etc/systemd/system/dcos-heap.service.d/proxykit-proxy.conf [hidden by etc/systemd/system/dcos-heap.service.d/zz-x.conf execstart=true keys=[]]",
	}, got)
	require.Len(t, left, 1)
	assert.Equal(t, "dcos-broken.service", left[0].Unit)
	require.ErrorIs(t, left[0].Err, systemdunit.ErrBadSetting)

	// The drop-in is computed without itself: the stale property goes.
	out, err := changes[0].Edit(javaNode()["etc/systemd/system/dcos-cosmos.service.d/proxykit-proxy.conf"].Data)
	require.NoError(t, err)
	assert.Contains(t, string(out), "-Dhttp.proxyHost=proxy.corp -classpath")
	assert.NotContains(t, string(out), "stale")
	out, err = changes[1].Edit(nil)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(out), "JAVA_TOOL_OPTIONS=-Dhttp.proxyHost=proxy.corp"), "%s", out)
}

func TestServicesRefusesABadPattern(t *testing.T) {
	_, _, err := jvmflags.Services(javaNode(), jvmflags.Patch{}, jvmflags.ServiceOptions{Patterns: []string{"["}})
	require.Error(t, err)
}

// TestServicesToolOptionsSurviveAnUpgrade checks ServiceOptions.ToolOptions:
// a java service whose command line does not set the properties gets them
// in JAVA_TOOL_OPTIONS, an Environment= drop-in that does not depend on the
// command line, so when an upgrade moves the service to a new package path
// (a new cosmos--<id>) the drop-in already written is still the one wanted;
// a command line that sets one of them to its own value keeps the
// ExecStart= form, as its -D would win over JAVA_TOOL_OPTIONS.
func TestServicesToolOptionsSurviveAnUpgrade(t *testing.T) {
	p := jvmflags.Patch{Set: []jvmflags.Property{{Key: "http.proxyHost", Value: "proxy.corp"}}, Before: jvmflags.ClassPathOptions}
	opts := jvmflags.ServiceOptions{Known: []string{"dcos-cosmos.service"}, Patterns: []string{"dcos-*.service"}, ToolOptions: true}
	node := func(cosmosID, ownHost string) fstest.MapFS {
		return fstest.MapFS{
			"opt/mesosphere/packages/cosmos--" + cosmosID + "/dcos-cosmos.service": unitFile("[Service]\nExecStart=/opt/mesosphere/packages/cosmos--" + cosmosID +
				"/bin/java -Xmx1g -classpath /opt/mesosphere/packages/cosmos--" + cosmosID + "/cosmos.jar com.mesosphere.cosmos.Cosmos\n"),
			"etc/systemd/system/dcos-cosmos.service": unitLink("/opt/mesosphere/packages/cosmos--" + cosmosID + "/dcos-cosmos.service"),
			"etc/systemd/system/dcos-pinned.service": unitFile("[Service]\nExecStart=/usr/bin/java -Dhttp.proxyHost=" + ownHost + " -classpath /opt/p.jar P\n"),
		}
	}
	plan := func(fsys fstest.MapFS) map[string]string {
		changes, left, err := jvmflags.Services(fsys, p, opts)
		require.NoError(t, err)
		require.Empty(t, left)
		out := make(map[string]string)
		for _, c := range changes {
			b, err := c.Edit(nil)
			require.NoError(t, err)
			out[c.Unit] = string(b)
		}
		return out
	}
	before := plan(node("0b8b1c690c4c8190b2d28b55a6a6c213e3cd4089", "old.proxy"))
	assert.Equal(t, "[Service]\nEnvironment=\"JAVA_TOOL_OPTIONS=-Dhttp.proxyHost=proxy.corp\"\n", before["dcos-cosmos.service"])
	assert.Contains(t, before["dcos-pinned.service"], "ExecStart=\nExecStart=/usr/bin/java -Dhttp.proxyHost=proxy.corp -classpath /opt/p.jar P",
		"its own -D would win over JAVA_TOOL_OPTIONS: ExecStart= is replaced")

	after := plan(node("7e1d5c2b9a8f7e6d5c4b3a29181716151413121f", "old.proxy"))
	assert.Equal(t, before["dcos-cosmos.service"], after["dcos-cosmos.service"],
		"a new package path changes nothing in the drop-in: the upgraded service starts with the properties")
}

// TestServicesToolOptionsIgnoreALaterExecStart checks the overrides
// reported with ToolOptions: a later drop-in that sets ExecStart= hides a
// drop-in that replaces ExecStart= (the command line sets its own proxy
// host), not one that sets JAVA_TOOL_OPTIONS; one that sets
// JAVA_TOOL_OPTIONS hides either.
func TestServicesToolOptionsIgnoreALaterExecStart(t *testing.T) {
	p := jvmflags.Patch{Set: []jvmflags.Property{{Key: "http.proxyHost", Value: "proxy.corp"}}, Before: jvmflags.ClassPathOptions}
	opts := jvmflags.ServiceOptions{Patterns: []string{"app-*.service"}, ToolOptions: true}
	for _, tc := range []struct {
		name, later   string
		wantExecStart bool
		wantKeys      []string
	}{
		{name: "a later ExecStart= without proxy properties", later: "ExecStart=\nExecStart=/usr/bin/java -Xmx4g -classpath /opt/a.jar A\n"},
		{name: "a later ExecStart= with its own proxy host", later: "ExecStart=\nExecStart=/usr/bin/java -Dhttp.proxyHost=old.proxy -classpath /opt/a.jar A\n", wantExecStart: true},
		{name: "a later JAVA_TOOL_OPTIONS", later: "Environment=JAVA_TOOL_OPTIONS=-Xmx1g\n", wantKeys: []string{"JAVA_TOOL_OPTIONS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"etc/systemd/system/app-a.service":           unitFile("[Service]\nExecStart=/usr/bin/java -classpath /opt/a.jar A\n"),
				"etc/systemd/system/app-a.service.d/zz.conf": unitFile("[Service]\n" + tc.later),
			}
			changes, left, err := jvmflags.Services(fsys, p, opts)
			require.NoError(t, err)
			require.Empty(t, left)
			require.Len(t, changes, 1)
			var execStart bool
			var keys []string
			for _, o := range changes[0].Overrides {
				execStart = execStart || o.ExecStart
				keys = append(keys, o.Keys...)
			}
			assert.Equal(t, tc.wantExecStart, execStart)
			assert.Equal(t, tc.wantKeys, keys)
		})
	}
}

// TestProxyServicesGiveEachServiceItsDropInAndSayWhatHidesIt: the
// tunnelling setting is added only with credentials; a proxy Java cannot use
// is ErrProxyScheme; each change says what it keeps and what hides it.
func TestProxyServicesGiveEachServiceItsDropInAndSayWhatHidesIt(t *testing.T) {
	withAuth, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://svc@proxy.corp:3128", Password: proxyenv.NewSecret("pw")})
	require.NoError(t, err)
	plain, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.corp:3128"})
	require.NoError(t, err)
	hasTunneling := func(p jvmflags.ServicePlan) bool {
		return slices.ContainsFunc(p.List, func(pr jvmflags.Property) bool { return pr.Key == jvmflags.AllowTunnelingSchemes().Key })
	}
	p, err := jvmflags.ProxyServices(javaNode(), withAuth, jvmflags.DCOSServiceOptions("proxykit-proxy"))
	require.NoError(t, err)
	assert.True(t, hasTunneling(p), "Basic authentication for https:// needs the tunnelling schemes enabled")
	var warnings []string
	for _, c := range p.Changes {
		for _, w := range c.Warnings() {
			warnings = append(warnings, c.Unit+": "+w)
		}
	}
	assert.Equal(t, []string{
		// dcos-heap's later ExecStart= does not hide JAVA_TOOL_OPTIONS.
		"dcos-marathon.service: is started by /opt/marathon/bin/marathon, not by java: the Java proxy properties go into JAVA_TOOL_OPTIONS, which every JVM it starts reads (each prints \"Picked up JAVA_TOOL_OPTIONS\" on stderr)",
	}, warnings)
	require.Len(t, p.Left, 1)

	p, err = jvmflags.ProxyServices(javaNode(), plain, jvmflags.DCOSServiceOptions(""))
	require.NoError(t, err)
	assert.False(t, hasTunneling(p), "no credentials, no tunnelling setting")

	tls, err := proxyenv.FromValues(proxyenv.Values{Proxy: "https://proxy.corp:3129"})
	require.NoError(t, err)
	_, err = jvmflags.ProxyServices(javaNode(), tls, jvmflags.DCOSServiceOptions(""))
	require.ErrorIs(t, err, jvmflags.ErrProxyScheme)
}

func TestServiceChangeWarnings(t *testing.T) {
	c := jvmflags.ServiceChange{Unit: "a.service", Path: "etc/systemd/system/a.service.d/proxykit-proxy.conf", Overrides: []systemdunit.Override{
		{File: "etc/a.env", Keys: []string{"JAVA_TOOL_OPTIONS"}, EnvironmentFile: true},
		{File: "etc/systemd/system/a.service.d/zz.conf", Keys: []string{"JAVA_TOOL_OPTIONS"}},
		{File: "etc/systemd/system/a.service.d/zz-x.conf", ExecStart: true},
	}, Kept: []jvmflags.Property{{Key: "http.proxyHost", Value: "own"}}}
	assert.Equal(t, []string{
		"reads /etc/a.env with EnvironmentFile=, which sets JAVA_TOOL_OPTIONS and overrides every Environment= line, ours included; remove them there",
		"the drop-in /etc/systemd/system/a.service.d/zz.conf sorts after proxykit-proxy.conf and sets JAVA_TOOL_OPTIONS: systemd takes its values; remove them there",
		"the drop-in /etc/systemd/system/a.service.d/zz-x.conf sorts after proxykit-proxy.conf and sets ExecStart=: systemd takes its command line, without the Java proxy properties; merge the two or rename it to sort first",
	}, c.Warnings())
	assert.Equal(t, []string{"a.service keeps its own -Dhttp.proxyHost=own"}, c.Notes())
}
