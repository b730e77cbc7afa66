package jvmflags_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/systemdunit"
)

// TestJavaHomesOfANode: a JAVA_HOME in an environment file, sourced by a
// shell ("export") or read by systemd, and in a unit's effective
// environment (its own Environment= and its EnvironmentFile=), links
// followed inside the root; relative values are no homes; each once.
func TestJavaHomesOfANode(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/environment":                        {Data: []byte("LANG=C\nJAVA_HOME=/usr/local/jdk1.8.0_202\n")},
		"opt/mesosphere/environment":             {Data: []byte("JAVA_HOME=/opt/mesosphere/active/java/usr/java\n")},
		"opt/mesosphere/environment.export":      {Data: []byte("export JAVA_HOME=/srv/export-jdk/\nexport PATH=/opt/mesosphere/bin\n")},
		"etc/systemd/system/vendor-app.service":  {Data: []byte("[Service]\nEnvironment=JAVA_HOME=/srv/unit-jdk\nExecStart=/srv/unit-jdk/bin/java -jar /srv/app.jar\n")},
		"etc/systemd/system/other.service":       {Data: []byte("[Service]\nEnvironmentFile=/etc/other.env\nExecStart=/bin/true\n")},
		"etc/other.env":                          {Data: []byte("JAVA_HOME=relative/jdk\n")},
		"etc/systemd/system/dcos-cosmos.service": {Data: []byte("[Service]\nEnvironmentFile=/opt/mesosphere/environment\nExecStart=/bin/true\n")},
	}
	got := jvmflags.JavaHomes(fsys, jvmflags.JavaHomeFiles, "*.service")
	assert.Equal(t, []string{"/usr/local/jdk1.8.0_202", "/opt/mesosphere/active/java/usr/java", "/srv/export-jdk", "/srv/unit-jdk"}, got)
	assert.Equal(t, []string{"/usr/local/jdk1.8.0_202"}, jvmflags.JavaHomes(fsys, []string{"etc/environment", "etc/missing"}), "no patterns: no units")
}

// FuzzParseShellEnv: reading an environment file that a shell may source
// never panics, and a file without "export " reads as systemd reads it.
func FuzzParseShellEnv(f *testing.F) {
	f.Add([]byte("export JAVA_HOME=/opt/mesosphere/active/java/usr/java\nPATH=/opt/mesosphere/bin\n"))
	f.Add([]byte("JAVA_HOME=\"/usr/local/jdk1.8.0_202\"\n# comment\n  export   X='y z'\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := jvmflags.ParseShellEnv(b)
		if strings.Contains(string(b), "export") {
			return
		}
		want, werr := systemdunit.ParseEnvironmentFile(b)
		require.Equal(t, werr == nil, err == nil)
		require.Equal(t, want, env)
	})
}
