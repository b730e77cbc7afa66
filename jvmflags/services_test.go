package jvmflags_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
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
