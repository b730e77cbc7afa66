package jvmflags_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
)

// cosmos is a DC/OS Cosmos (package service) command line as its unit's
// multi-line ExecStart= gives it, ${PKG_PATH} already substituted.
var cosmos = []string{
	"/opt/mesosphere/bin/java",
	"-Xmx2G",
	"-XX:+ExitOnOutOfMemoryError",
	"-Djava.io.tmpdir=/var/lib/dcos/cosmos/tmp",
	"-Djdk.http.auth.tunneling.disabledSchemes=NTLM",
	"-Dcom.mesosphere.cosmos.logLevel=INFO",
	"-classpath", "/opt/mesosphere/packages/cosmos--1a2b3c/usr/cosmos.jar:/opt/mesosphere/packages/cosmos--1a2b3c/usr/lib/*:/opt/mesosphere/active/dcos-metrics/lib/statsd.jar",
	"com.mesosphere.cosmos.Cosmos",
	"-admin.port=127.0.0.1:9990",
	"-com.mesosphere.cosmos.httpInterface=127.0.0.1:7070",
	"-com.mesosphere.cosmos.zookeeperUri=zk://zk-1.zk:2181,zk-2.zk:2181/cosmos",
	"-com.mesosphere.cosmos.dataDir=/var/lib/dcos/cosmos",
	"-Dhttp.proxyHost=not-a-jvm-flag",
}

func words(s string) []string { return strings.Fields(s) }

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name    string
		argv    []string
		kind    jvmflags.MainKind
		value   string
		index   int      // Main.Index
		args    []string // application arguments
		options []string // option names
	}{
		{
			name: "dcos cosmos: -classpath operand, app args that look like flags",
			argv: cosmos, kind: jvmflags.MainClass, value: "com.mesosphere.cosmos.Cosmos", index: 8,
			args:    cosmos[9:],
			options: []string{"-Xmx2G", "-XX:+ExitOnOutOfMemoryError", "-D", "-D", "-D", "-classpath"},
		},
		{
			name: "-jar service",
			argv: words("/usr/bin/java -Xms256m -Dlogging.config=/etc/app/logback.xml -jar /opt/app/app.jar --server.port=8080"),
			kind: jvmflags.JarFile, value: "/opt/app/app.jar", index: 3,
			args:    []string{"--server.port=8080"},
			options: []string{"-Xms256m", "-D", "-jar"},
		},
		{
			name: "options between -jar and its file are still launcher options",
			argv: words("java -jar -Da=1 app.jar -Db=2"),
			kind: jvmflags.JarFile, value: "app.jar", index: 1,
			args:    []string{"-Db=2"},
			options: []string{"-jar", "-D"},
		},
		{
			name: "module launch -m with module path",
			argv: words("java -p /opt/mods:/opt/lib --add-modules java.sql --add-opens java.base/java.lang=ALL-UNNAMED -m com.example.app/com.example.Main --flag"),
			kind: jvmflags.Module, value: "com.example.app/com.example.Main", index: 7,
			args:    []string{"--flag"},
			options: []string{"-p", "--add-modules", "--add-opens"},
		},
		{
			name: "--module=",
			argv: words("java --module-path=mods --module=app/app.Main x"),
			kind: jvmflags.Module, value: "app/app.Main", index: 2,
			args:    []string{"x"},
			options: []string{"--module-path"},
		},
		{
			name: "--module with separate operand",
			argv: words("java --upgrade-module-path up --limit-modules a,b --patch-module a=p --add-reads a=b --add-exports a/p=b --module app"),
			kind: jvmflags.Module, value: "app", index: 11,
			options: []string{"--upgrade-module-path", "--limit-modules", "--patch-module", "--add-reads", "--add-exports"},
		},
		{
			name: "source launch with --source",
			argv: words("java --source 17 -cp lib/* Tool -v"),
			kind: jvmflags.SourceFile, value: "Tool", index: 5,
			args:    []string{"-v"},
			options: []string{"--source", "-cp"},
		},
		{
			name: "single-file source by suffix",
			argv: words("java -Dx=y Hello.java a"),
			kind: jvmflags.SourceFile, value: "Hello.java", index: 2,
			args:    []string{"a"},
			options: []string{"-D"},
		},
		{
			name: "--class-path and -d operand",
			argv: words("java --class-path a:b -XX:MaxRAMPercentage=75 Main"),
			kind: jvmflags.MainClass, value: "Main", index: 4,
			options: []string{"--class-path", "-XX:MaxRAMPercentage=75"},
		},
		{
			name: "bare java with main class only",
			argv: words("java Main"),
			kind: jvmflags.MainClass, value: "Main", index: 1,
		},
		{
			name: "@@ escapes an argfile; --disable-@files stops expansion",
			argv: words("java --disable-@files -cp @lib Main @args"),
			kind: jvmflags.MainClass, value: "Main", index: 4,
			args:    []string{"@args"},
			options: []string{"--disable-@files", "-cp"},
		},
		{
			name: "a $ in a class name or after -jar is not a variable",
			argv: words("java -jar $JAR $ARGS"),
			kind: jvmflags.JarFile, value: "$JAR", index: 1,
			args:    []string{"$ARGS"},
			options: []string{"-jar"},
		},
		{
			name: "inner class",
			argv: words("java Outer$Main"),
			kind: jvmflags.MainClass, value: "Outer$Main", index: 1,
		},
		{
			name: "@argfile after the main class is an application argument",
			argv: words("java Main @opts"),
			kind: jvmflags.MainClass, value: "Main", index: 1,
			args: []string{"@opts"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := jvmflags.ParseCommand(tt.argv)
			require.NoError(t, err)
			m := c.Main()
			assert.Equal(t, tt.kind, m.Kind, "kind %v", m.Kind)
			assert.Equal(t, tt.value, m.Value)
			assert.Equal(t, tt.index, m.Index)
			if tt.args == nil {
				tt.args = []string{}
			}
			assert.Equal(t, tt.args, c.Args())
			var names []string
			for _, o := range c.Options() {
				names = append(names, o.Name())
			}
			assert.Equal(t, tt.options, names)
			assert.Equal(t, tt.argv, c.Argv())
			assert.Equal(t, tt.argv[0], c.Launcher())
		})
	}
}

func TestParseCommandRefuses(t *testing.T) {
	tests := []struct {
		name  string
		argv  []string
		err   error
		index int
		hint  string // part of the message
	}{
		{"sh -c", []string{"/bin/sh", "-c", "exec java -jar app.jar"}, jvmflags.ErrNotJava, 0, "JAVA_TOOL_OPTIONS"},
		{"bash -c", []string{"bash", "-c", "java Main"}, jvmflags.ErrNotJava, 0, "shell"},
		{"env", words("/usr/bin/env JAVA_HOME=/opt/jdk java Main"), jvmflags.ErrNotJava, 0, "env"},
		{"start script", words("/opt/kafka/bin/kafka-server-start.sh /etc/kafka/server.properties"), jvmflags.ErrNotJava, 0, "start script"},
		{"jsvc", words("/usr/bin/jsvc -cp a.jar Main"), jvmflags.ErrNotJava, 0, "JAVA_TOOL_OPTIONS"},
		{"empty", nil, jvmflags.ErrNotJava, 0, "empty"},
		{"no main", words("java -Xmx1g"), jvmflags.ErrNoMain, 1, ""},
		{"-version stops the launcher", words("java -version Main"), jvmflags.ErrNoMain, 1, "stops"},
		{"--describe-module exits after describing", words("java -cp x -d java.base Main"), jvmflags.ErrNoMain, 3, "exits"},
		{"--list-modules exits", words("java --list-modules -jar app.jar"), jvmflags.ErrNoMain, 1, "exits"},
		{"--describe-module=", words("java --describe-module=java.base -m app"), jvmflags.ErrNoMain, 1, "exits"},
		{"-cp without operand", words("java -cp"), jvmflags.ErrOperand, 1, ""},
		{"-cp followed by an option", words("java -cp -Xmx1g Main"), jvmflags.ErrOperand, 1, ""},
		{"-jar without file", words("java -Da=b -jar"), jvmflags.ErrOperand, 2, ""},
		{"-m without module", words("java -m"), jvmflags.ErrOperand, 1, ""},
		{"--module= empty", words("java --module="), jvmflags.ErrOperand, 1, ""},
		{"argfile before main", words("java @/etc/app/jvm.opts Main"), jvmflags.ErrArgFile, 1, "JAVA_TOOL_OPTIONS"},
		{"argfile as -cp operand", words("java -cp @cp Main"), jvmflags.ErrArgFile, 2, ""},
		{"argfile as jar", words("java -jar @jar"), jvmflags.ErrArgFile, 2, ""},
		{"unexpanded $JAVA_OPTS taken for the main class", words("/usr/bin/java $JAVA_OPTS -jar /opt/app.jar"), jvmflags.ErrVariable, 1, "Patch.ExecStart"},
		{"NUL in a word, value not shown", []string{"java", "-Dpw=s3cret\x00", "Main"}, jvmflags.ErrValue, 1, `"-Dpw=…"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := jvmflags.ParseCommand(tt.argv)
			require.ErrorIs(t, err, tt.err)
			assert.Nil(t, c)
			var ce *jvmflags.CommandError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.index, ce.Index)
			assert.Contains(t, err.Error(), tt.hint)
		})
	}
}

func TestParseCommandCopiesInput(t *testing.T) {
	argv := words("java -Da=1 -cp x Main arg")
	c, err := jvmflags.ParseCommand(argv)
	require.NoError(t, err)
	argv[1], argv[3], argv[5] = "changed", "changed", "changed"
	assert.Equal(t, words("java -Da=1 -cp x Main arg"), c.Argv())
	o := c.Options()
	o[1].Words[1] = "changed"
	assert.Equal(t, "x", c.Options()[1].Words[1])
}

func TestCommandProperty(t *testing.T) {
	c, err := jvmflags.ParseCommand(words("java -Da=1 -Db -Da=2 -Dc= Main -Da=3"))
	require.NoError(t, err)
	for _, tt := range []struct {
		key, value string
		ok         bool
	}{
		{"a", "2", true}, // the last one wins; the one after Main is an application argument
		{"b", "", true},
		{"c", "", true},
		{"d", "", false},
	} {
		v, ok := c.Property(tt.key)
		assert.Equal(t, tt.ok, ok, tt.key)
		assert.Equal(t, tt.value, v, tt.key)
	}
}
