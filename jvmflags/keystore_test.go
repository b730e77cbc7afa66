package jvmflags_test

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/systemdunit"
)

// keystoreNode has DC/OS's JRE (Java 8 layout) behind its active/ link, the
// distribution's JDK 11 whose cacerts links to the store update-ca-trust
// rebuilds, and a keystore of an application's own.
func keystoreNode() fstest.MapFS {
	return fstest.MapFS{
		"opt/mesosphere/packages/java--1/usr/java/jre/lib/security/cacerts": unitFile("jks"),
		"opt/mesosphere/packages/java--1/usr/java/bin/java":                 unitFile("elf"),
		"opt/mesosphere/active/java":                                        unitLink("/opt/mesosphere/packages/java--1"),
		"etc/pki/ca-trust/extracted/java/cacerts":                           unitFile("jks"),
		"etc/pki/java/cacerts":                                              unitLink("/etc/pki/ca-trust/extracted/java/cacerts"),
		"usr/lib/jvm/jdk-11/lib/security/cacerts":                           unitLink("/etc/pki/java/cacerts"),
		"usr/lib/jvm/jdk-11/bin/java":                                       unitFile("elf"),
		"srv/app/truststore.jks":                                            unitFile("jks"),
		"srv/app/empty-jre/bin/java":                                        unitFile("elf"),
	}
}

func TestKeystore(t *testing.T) {
	for _, tt := range []struct {
		name, unit string
		want       string // "" when ErrNoKeystore is expected
	}{
		{"the JRE of the java binary, through links, Java 8 layout",
			"ExecStart=/opt/mesosphere/active/java/usr/java/bin/java -jar /opt/cosmos.jar\n",
			"opt/mesosphere/packages/java--1/usr/java/jre/lib/security/cacerts"},
		{"the distribution's JDK: the store its cacerts links to",
			"ExecStart=/usr/lib/jvm/jdk-11/bin/java -jar /opt/app.jar\n",
			"etc/pki/ca-trust/extracted/java/cacerts"},
		{"a start script: JAVA_HOME's JRE",
			"Environment=JAVA_HOME=/opt/mesosphere/active/java/usr/java\nExecStart=/opt/marathon/bin/marathon\n",
			"opt/mesosphere/packages/java--1/usr/java/jre/lib/security/cacerts"},
		{"the java binary wins over JAVA_HOME",
			"Environment=JAVA_HOME=/opt/mesosphere/active/java/usr/java\nExecStart=/usr/lib/jvm/jdk-11/bin/java -jar /opt/app.jar\n",
			"etc/pki/ca-trust/extracted/java/cacerts"},
		{"javax.net.ssl.trustStore in JAVA_TOOL_OPTIONS",
			"Environment=\"JAVA_TOOL_OPTIONS=-Xss1m -Djavax.net.ssl.trustStore=/srv/app/truststore.jks\"\nExecStart=/usr/lib/jvm/jdk-11/bin/java -jar /opt/app.jar\n",
			"srv/app/truststore.jks"},
		{"javax.net.ssl.trustStore on the command line wins over JAVA_TOOL_OPTIONS",
			"Environment=\"JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStore=/nowhere.jks\"\nExecStart=/usr/lib/jvm/jdk-11/bin/java -Djavax.net.ssl.trustStore=/srv/app/truststore.jks -jar /opt/app.jar\n",
			"srv/app/truststore.jks"},
		{"an application argument is not a property",
			"ExecStart=/usr/lib/jvm/jdk-11/bin/java -jar /opt/app.jar -Djavax.net.ssl.trustStore=/srv/app/truststore.jks\n",
			"etc/pki/ca-trust/extracted/java/cacerts"},
		{"no java and no JAVA_HOME", "ExecStart=/opt/marathon/bin/marathon\n", ""},
		{"a JRE without cacerts", "ExecStart=/srv/app/empty-jre/bin/java -jar /opt/app.jar\n", ""},
		{"a relative JAVA_HOME", "Environment=JAVA_HOME=jre\nExecStart=/opt/marathon/bin/marathon\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := systemdunit.ParseNamed("etc/systemd/system/x.service", []byte("[Service]\n"+tt.unit))
			require.NoError(t, err)
			node := keystoreNode()
			e, err := systemdunit.Merge("x.service", f).Effective(node)
			require.NoError(t, err)
			got, err := jvmflags.Keystore(node, e)
			if tt.want == "" {
				require.ErrorIs(t, err, jvmflags.ErrNoKeystore)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func ExampleKeystore() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"etc/systemd/system/dcos-cosmos.service": {Data: []byte("[Service]\nEnvironmentFile=/opt/mesosphere/environment\n" +
			"ExecStart=/opt/mesosphere/bin/java -Xmx2G -jar /opt/mesosphere/active/cosmos/usr/cosmos.jar\n")},
		"opt/mesosphere/environment":                                        {Data: []byte("JAVA_HOME=/opt/mesosphere/active/java/usr/java\n")},
		"opt/mesosphere/active/java":                                        {Data: []byte("/opt/mesosphere/packages/java--1"), Mode: unitLink("").Mode},
		"opt/mesosphere/packages/java--1/usr/java/jre/lib/security/cacerts": {Data: []byte("jks")},
	}
	u, err := systemdunit.Load(node, "dcos-cosmos.service")
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := u.Effective(node)
	if err != nil {
		fmt.Println(err)
		return
	}
	ks, err := jvmflags.Keystore(node, e)
	fmt.Println(ks, err)
	// Output:
	// opt/mesosphere/packages/java--1/usr/java/jre/lib/security/cacerts <nil>
}
