package jvmflags_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/systemdunit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// loadUnit reads testdata/units/name as the unit called name, with the given
// drop-ins after it.
func loadUnit(t *testing.T, name string, dropins ...[]byte) *systemdunit.Unit {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "units", name))
	require.NoError(t, err)
	f, err := systemdunit.ParseNamed(name, data)
	require.NoError(t, err)
	var ds []*systemdunit.File
	for _, d := range dropins {
		df, err := systemdunit.Parse(d)
		require.NoError(t, err)
		ds = append(ds, df)
	}
	return systemdunit.Merge(name, f, ds...)
}

// cosmosPatch is what a DC/OS node behind a proxy needs in Cosmos.
var cosmosPatch = jvmflags.Patch{
	Set: []jvmflags.Property{
		{Key: "http.proxyHost", Value: "proxy.corp"},
		{Key: "http.proxyPort", Value: "3128"},
		{Key: "https.proxyHost", Value: "proxy.corp"},
		{Key: "https.proxyPort", Value: "3128"},
		{Key: "http.nonProxyHosts", Value: "localhost|127.*|[::1]|*.mesos|*.corp|100%-internal"},
		jvmflags.AllowTunnelingSchemes(),
	},
	Before: []string{"-classpath", "-cp"},
}

func TestPatchDropIn(t *testing.T) {
	tests := []struct {
		unit string
		old  string // existing drop-in
		kept []string
	}{
		{unit: "dcos-cosmos.service", kept: []string{"-Djdk.http.auth.tunneling.disabledSchemes=NTLM"}},
		{unit: "jenkins.service"},
		{unit: "zookeeper.service"},
		{unit: "app-jar.service", old: "# ours\n[Service]\nEnvironment=KEEP=me\nExecStart=\nExecStart=/usr/bin/java -Dstale=1 -jar /x.jar\n"},
	}
	for _, tt := range tests {
		t.Run(tt.unit, func(t *testing.T) {
			edit, kept, err := cosmosPatch.DropIn(loadUnit(t, tt.unit))
			require.NoError(t, err)
			var keptFlags []string
			for _, k := range kept {
				keptFlags = append(keptFlags, k.Flag())
			}
			assert.Equal(t, tt.kept, keptFlags)

			var old []byte
			if tt.old != "" {
				old = []byte(tt.old)
			}
			got, err := edit(old)
			require.NoError(t, err)
			golden := filepath.Join("testdata", "units", tt.unit+".dropin.golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))

			again, err := edit(got)
			require.NoError(t, err)
			assert.Equal(t, string(got), string(again), "the edit is idempotent")

			// Built again from the unit with its drop-in in place: the same file.
			edit2, _, err := cosmosPatch.DropIn(loadUnit(t, tt.unit, got))
			require.NoError(t, err)
			third, err := edit2(got)
			require.NoError(t, err)
			assert.Equal(t, string(got), string(third), "patching the patched unit changes nothing")
		})
	}
}

func TestPatchExecStartVariables(t *testing.T) {
	tests := []struct {
		name      string
		execStart string
		want      string // words of the patched command, space-separated
	}{
		{
			name:      "$JAVA_OPTS before -jar: flags before it",
			execStart: "/usr/bin/java $JAVA_OPTS -Dlogging.config=/etc/app/logback.xml -jar /opt/app/app.jar --server.port=8080",
			want:      "/usr/bin/java -Dk=v $JAVA_OPTS -Dlogging.config=/etc/app/logback.xml -jar /opt/app/app.jar --server.port=8080",
		},
		{
			name:      "$MAIN where the main class may be: flags before it",
			execStart: "/usr/bin/java -cp /a $MAIN --flag",
			want:      "/usr/bin/java -cp /a -Dk=v $MAIN --flag",
		},
		{
			name:      "$CP as an operand is the operand",
			execStart: "/usr/bin/java -Dk=old -cp $CP app.Main $ARGS",
			want:      "/usr/bin/java -cp $CP -Dk=v app.Main $ARGS",
		},
		{
			name:      "$JAR after -jar is the jar",
			execStart: "/usr/bin/java -jar $JAR $ARGS",
			want:      "/usr/bin/java -Dk=v -jar $JAR $ARGS",
		},
		{
			name:      "${NAME} is one word",
			execStart: "/usr/bin/java -cp ${CP} ${MAIN} ${ARG}",
			want:      "/usr/bin/java -cp ${CP} -Dk=v ${MAIN} ${ARG}",
		},
		{
			name:      "the : prefix turns substitution off: $X is a literal option-less word",
			execStart: ":/usr/bin/java -cp /a Main $X",
			want:      "/usr/bin/java -cp /a -Dk=v Main $X",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unit := "[Service]\nEnvironment=JAVA_OPTS=-Xmx1g MAIN=a.B CP=/c ARGS=x JAR=/j.jar ARG=y\nExecStart=" + tt.execStart + "\n"
			f, err := systemdunit.ParseNamed("x.service", []byte(unit))
			require.NoError(t, err)
			d, _, err := jvmflags.Patch{Set: []jvmflags.Property{{Key: "k", Value: "v"}}}.ExecStart(systemdunit.Merge("x.service", f))
			require.NoError(t, err)
			require.Len(t, d.ExecStart, 1)
			assert.Equal(t, strings.Fields(tt.want), d.ExecStart[0].Argv)
		})
	}
}

func TestPatchExecStartRefuses(t *testing.T) {
	tests := []struct {
		name string
		unit string
		err  error
	}{
		{"start script", "[Service]\nExecStart=/opt/kafka/bin/kafka-server-start.sh /etc/kafka/server.properties\n", jvmflags.ErrNotJava},
		{"marathon's start script", "[Service]\nExecStart=/opt/mesosphere/packages/marathon--1234/marathon/bin/marathon --master zk://zk-1.zk:2181/mesos\n", jvmflags.ErrNotJava},
		{"shell", "[Service]\nExecStart=/bin/sh -c 'exec java -jar /opt/app.jar'\n", jvmflags.ErrNotJava},
		{"two commands", "[Service]\nType=oneshot\nExecStart=/usr/bin/java A\nExecStart=/usr/bin/java B\n", jvmflags.ErrExecStart},
		{"none", "[Service]\nExecStop=/bin/true\n", jvmflags.ErrExecStart},
		{"template", "[Service]\nExecStart=/usr/bin/java -Dinstance=%i Main\n", jvmflags.ErrExecStart},
		{"unit systemd refuses: ExecStart path with an unknown escape", "[Service]\nExecStart=/usr/bin/ja\\qva Main\n", systemdunit.ErrBadSetting},
		{"unit systemd refuses: ExecStartPre path ending in a backslash", "[Service]\nExecStartPre=/bin/check\\ \nExecStart=/usr/bin/java Main\n", systemdunit.ErrBadSetting},
		{"unit systemd refuses: ExecStartPre with a prefix and no path", "[Service]\nExecStartPre=+\nExecStart=/usr/bin/java Main\n", systemdunit.ErrBadSetting},
		{"value systemd would substitute", "[Service]\nEnvironment=X=1\nExecStart=/usr/bin/java -Da=${X} Main\n", jvmflags.ErrValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "x.service"
			if tt.name == "template" {
				name = "x@.service"
			}
			f, err := systemdunit.ParseNamed(name, []byte(tt.unit))
			require.NoError(t, err)
			p := jvmflags.Patch{Set: []jvmflags.Property{{Key: "k", Value: "${X}"}}}
			if tt.err != jvmflags.ErrValue {
				p = cosmosPatch
			}
			_, _, err = p.DropIn(systemdunit.Merge(name, f))
			require.ErrorIs(t, err, tt.err)
			if tt.err == jvmflags.ErrNotJava {
				assert.Contains(t, err.Error(), "JAVA_TOOL_OPTIONS")
			}
			if tt.err == systemdunit.ErrBadSetting {
				var pe *systemdunit.ParseError
				require.ErrorAs(t, err, &pe, "names the file and line")
				assert.Equal(t, name, pe.File)
				assert.Positive(t, pe.Line)
			}
		})
	}
}

func TestPatchExecStartKeepsPrefixes(t *testing.T) {
	f, err := systemdunit.ParseNamed("x.service", []byte("[Service]\nExecStart=-@/usr/lib/jvm/bin/java my-java -cp /a Main %% $$HOME\n"))
	require.NoError(t, err)
	d, _, err := jvmflags.Patch{Set: []jvmflags.Property{{Key: "k", Value: "v"}}}.ExecStart(systemdunit.Merge("x.service", f))
	require.NoError(t, err)
	c := d.ExecStart[0]
	assert.True(t, c.Has("-") && c.Has("@"))
	assert.Equal(t, []string{"/usr/lib/jvm/bin/java", "my-java", "-cp", "/a", "-Dk=v", "Main", "%", "$HOME"}, c.Argv)
	line, err := systemdunit.FormatExec(c)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(line, "Main %% $$HOME"), line)
}

func TestPatchExecStartInstanceNameWithAt(t *testing.T) {
	// systemd accepts '@' in an instance name: not a template.
	f, err := systemdunit.ParseNamed("app@tty@1.service", []byte("[Service]\nExecStart=/usr/bin/java -Dinstance=%i Main\n"))
	require.NoError(t, err)
	d, _, err := jvmflags.Patch{Set: []jvmflags.Property{{Key: "k", Value: "v"}}}.ExecStart(systemdunit.Merge("app@tty@1.service", f))
	require.NoError(t, err)
	assert.Equal(t, []string{"/usr/bin/java", "-Dinstance=tty@1", "-Dk=v", "Main"}, d.ExecStart[0].Argv)
	_, _, err = jvmflags.Patch{Set: []jvmflags.Property{{Key: "k", Value: "v"}}}.ExecStart(systemdunit.Merge("app@.service", f))
	require.ErrorIs(t, err, jvmflags.ErrExecStart, "a template")
}

func TestPatchDropInEditIgnoresLaterChanges(t *testing.T) {
	patch := jvmflags.Patch{Set: slices.Clone(cosmosPatch.Set), Before: []string{"-classpath"}}
	edit, _, err := patch.DropIn(loadUnit(t, "dcos-cosmos.service"))
	require.NoError(t, err)
	before, err := edit(nil)
	require.NoError(t, err)
	patch.Set[0].Value = "changed.proxy"
	patch.Before[0] = "-Xmx2G"
	after, err := edit(nil)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))
}

func TestPatchApplyExecDoesNotModifyInput(t *testing.T) {
	c := systemdunit.Command{Prefixes: "@", Argv: []string{"/usr/bin/java", "java", "$OPTS", "-cp", "/a", "Main"}, Vars: []string{"OPTS"}}
	orig := systemdunit.Command{Prefixes: c.Prefixes, Argv: slices.Clone(c.Argv), Vars: slices.Clone(c.Vars)}
	got, _, err := jvmflags.Patch{Set: []jvmflags.Property{{Key: "k", Value: "v"}}}.ApplyExec(c)
	require.NoError(t, err)
	assert.Equal(t, []string{"/usr/bin/java", "java", "-Dk=v", "$OPTS", "-cp", "/a", "Main"}, got.Argv)
	assert.Equal(t, orig, c)
}
