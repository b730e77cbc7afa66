package jvmflags_test

import (
	"fmt"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/proxykit/proxykit/jvmflags"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

// A Java service behind a proxy: the proxy properties go before -classpath,
// as DC/OS's notes place them; the owner's tunnelling setting stays; the
// application's own arguments are left alone.
func ExamplePatch_Apply() {
	s, _, _ := proxyenv.FromEnvironment([]string{"http_proxy=http://proxy.corp:3128", "https_proxy=http://proxy.corp:3128"})
	ps, err := jvmflags.ProxyProperties(s)
	if err != nil {
		panic(err)
	}
	patch := jvmflags.Patch{
		Set:    append(ps.List, jvmflags.AllowTunnelingSchemes()),
		Remove: jvmflags.ProxyKeys, // also drop flags of a proxy no longer configured
		Before: jvmflags.ClassPathOptions,
	}
	argv := []string{"/opt/mesosphere/bin/java", "-Xmx2G", "-Djdk.http.auth.tunneling.disabledSchemes=NTLM",
		"-classpath", "/opt/cosmos.jar", "com.mesosphere.cosmos.Cosmos", "-admin.port=127.0.0.1:9990"}
	out, kept, err := patch.Apply(argv)
	if err != nil {
		panic(err)
	}
	for _, w := range out {
		if !strings.HasPrefix(w, "-Dhttp.nonProxyHosts=") { // its value depends on the no-proxy rules
			fmt.Println(w)
		}
	}
	for _, k := range kept {
		fmt.Println("kept:", k)
	}
	// Output:
	// /opt/mesosphere/bin/java
	// -Xmx2G
	// -Djdk.http.auth.tunneling.disabledSchemes=NTLM
	// -Dhttp.proxyHost=proxy.corp
	// -Dhttp.proxyPort=3128
	// -Dhttps.proxyHost=proxy.corp
	// -Dhttps.proxyPort=3128
	// -classpath
	// /opt/cosmos.jar
	// com.mesosphere.cosmos.Cosmos
	// -admin.port=127.0.0.1:9990
	// kept: -Djdk.http.auth.tunneling.disabledSchemes=NTLM
}

// Removing every proxy property, e.g. to undo the patch above.
func ExamplePatch_Apply_remove() {
	argv := strings.Fields("java -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 -jar app.jar -Dhttp.proxyHost=arg")
	out, _, err := jvmflags.Patch{Remove: jvmflags.ProxyKeys}.Apply(argv)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Join(out, " "))
	// Output: java -jar app.jar -Dhttp.proxyHost=arg
}

func ExampleParseCommand() {
	c, err := jvmflags.ParseCommand(strings.Fields("java -Xmx1g -p mods --add-modules java.sql -m app/app.Main -v"))
	if err != nil {
		panic(err)
	}
	for _, o := range c.Options() {
		fmt.Printf("option %s %q\n", o.Name(), o.Words)
	}
	fmt.Println("main:", c.Main().Kind, c.Main().Value)
	fmt.Println("args:", c.Args())

	_, err = jvmflags.ParseCommand([]string{"/bin/sh", "-c", "exec java -jar app.jar"})
	fmt.Println(err)
	// Output:
	// option -Xmx1g ["-Xmx1g"]
	// option -p ["-p" "mods"]
	// option --add-modules ["--add-modules" "java.sql"]
	// main: module app/app.Main
	// args: [-v]
	// argv[0] "/bin/sh": not a java launcher command line (a shell runs the java command, so its words cannot be edited here; set the properties in JAVA_TOOL_OPTIONS in the unit's environment)
}

func ExampleFormatToolOptions() {
	v, err := jvmflags.FormatToolOptions([]string{"-Dhttp.nonProxyHosts=localhost|*.corp", "-Dapp.title=it's \"ours\"", "-Xss1m"})
	if err != nil {
		panic(err)
	}
	fmt.Println(v)
	back, _ := jvmflags.ParseToolOptions(v)
	fmt.Printf("%q\n", back)
	// Output:
	// -Dhttp.nonProxyHosts=localhost|*.corp -Dapp.title='it'"'"'s "ours"' -Xss1m
	// ["-Dhttp.nonProxyHosts=localhost|*.corp" "-Dapp.title=it's \"ours\"" "-Xss1m"]
}

func ExamplePatch_ApplyToolOptions() {
	patch := jvmflags.Patch{Set: []jvmflags.Property{
		{Key: "https.proxyHost", Value: "proxy.corp"},
		{Key: "https.proxyPort", Value: "3128"},
	}}
	v, _, err := patch.ApplyToolOptions("-Xss1m -Dhttps.proxyHost=old.proxy")
	if err != nil {
		panic(err)
	}
	fmt.Println(v)
	// Output: -Xss1m -Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=3128
}

func ExampleProxyProperties() {
	s, _, _ := proxyenv.FromEnvironment([]string{"https_proxy=http://svc:secret@proxy.corp"})
	ps, err := jvmflags.ProxyProperties(s)
	if err != nil {
		panic(err)
	}
	for _, p := range ps.List {
		if p.Key != jvmflags.HTTPNonProxyHosts {
			fmt.Println(p)
		}
	}
	fmt.Println(slices.ContainsFunc(ps.Warnings, func(w jvmflags.Warning) bool {
		return strings.Contains(w.Message, "Authenticator") && !strings.Contains(w.Message, "secret")
	}))
	// Output:
	// -Dhttps.proxyHost=proxy.corp
	// -Dhttps.proxyPort=80
	// true
}

func ExampleTrustStoreProperties() {
	ps, err := jvmflags.TrustStoreProperties(jvmflags.Store{Path: "/etc/pki/java/cacerts-with-proxy.p12", Type: "PKCS12"})
	if err != nil {
		panic(err)
	}
	for _, p := range ps.List {
		fmt.Println(p)
	}
	fmt.Println(ps.Warnings[0].Key)
	// Output:
	// -Djavax.net.ssl.trustStore=/etc/pki/java/cacerts-with-proxy.p12
	// -Djavax.net.ssl.trustStoreType=PKCS12
	// javax.net.ssl.trustStore
}

// A drop-in that runs a vendor's Java service with proxy flags, without
// editing the vendor's unit file.
func ExamplePatch_DropIn() {
	vendor := []byte(`[Service]
ExecStart=/usr/bin/java $JAVA_OPTS -jar /opt/app/app.jar --port=8080
`)
	f, err := systemdunit.ParseNamed("app.service", vendor)
	if err != nil {
		panic(err)
	}
	patch := jvmflags.Patch{Set: []jvmflags.Property{
		{Key: "https.proxyHost", Value: "proxy.corp"},
		{Key: "https.proxyPort", Value: "3128"},
		{Key: "http.nonProxyHosts", Value: "localhost|*.corp|100%"},
	}}
	edit, _, err := patch.DropIn(systemdunit.Merge("app.service", f))
	if err != nil {
		panic(err)
	}
	dropin, err := edit(nil) // no drop-in yet
	if err != nil {
		panic(err)
	}
	fmt.Print(string(dropin))
	// Output:
	// [Service]
	// ExecStart=
	// ExecStart=/usr/bin/java -Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=localhost|*.corp|100%% $JAVA_OPTS -jar /opt/app/app.jar --port=8080
}

func ExampleServices() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"etc/systemd/system/dcos-cosmos.service":       {Data: []byte("[Service]\nExecStart=/opt/java/bin/java -Xmx1g -classpath /opt/cosmos.jar Cosmos\n")},
		"etc/systemd/system/dcos-marathon.service":     {Data: []byte("[Service]\nExecStart=/opt/marathon/bin/marathon\n")},
		"etc/systemd/system/dcos-mesos-master.service": {Data: []byte("[Service]\nExecStart=/opt/mesos/bin/mesos-master\n")},
	}
	s, _ := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.corp:3128"})
	props, _ := jvmflags.ProxyProperties(s)
	changes, _, err := jvmflags.Services(node, jvmflags.Patch{Set: props.List, Before: jvmflags.ClassPathOptions},
		jvmflags.ServiceOptions{Known: []string{"dcos-marathon.service"}, Patterns: []string{"dcos-*.service"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range changes {
		b, _ := c.Edit(nil) // the drop-in, to write at c.Path
		fmt.Printf("/%s (%s):\n%s", c.Path, c.Why, b)
	}
	// Output:
	// /etc/systemd/system/dcos-marathon.service.d/proxykit-proxy.conf (Java proxy properties for dcos-marathon.service through JAVA_TOOL_OPTIONS):
	// [Service]
	// Environment="JAVA_TOOL_OPTIONS=-Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 -Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=localhost|127.*|[::1]|[0:0:0:0:0:0:0:1]|[::ffff:127.*|0.0.0.0|[::0]"
	// /etc/systemd/system/dcos-cosmos.service.d/proxykit-proxy.conf (Java proxy properties for dcos-cosmos.service (the JVM ignores http_proxy)):
	// [Service]
	// ExecStart=
	// ExecStart=/opt/java/bin/java -Xmx1g -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 -Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=localhost|127.*|[::1]|[0:0:0:0:0:0:0:1]|[::ffff:127.*|0.0.0.0|[::0] -classpath /opt/cosmos.jar Cosmos
}

func ExampleProxyServices() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"etc/systemd/system/dcos-cosmos.service":   {Data: []byte("[Service]\nExecStart=/opt/java/bin/java -Djdk.http.auth.tunneling.disabledSchemes=NTLM -classpath /opt/cosmos.jar Cosmos\n")},
		"etc/systemd/system/dcos-marathon.service": {Data: []byte("[Service]\nExecStart=/opt/marathon/bin/marathon\n")},
	}
	s, _ := proxyenv.FromValues(proxyenv.Values{Proxy: "http://svc@proxy.corp:3128", Password: proxyenv.NewSecret("secret"), NoProxy: ".mesos,10.0.0.0/8"})
	p, err := jvmflags.ProxyServices(node, s, jvmflags.DCOSServiceOptions("proxykit-proxy"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range p.Changes {
		fmt.Printf("/%s: %s\n", c.Path, c.Why)
		for _, n := range c.Notes() {
			fmt.Println("  note:", n)
		}
		for _, w := range c.Warnings() {
			fmt.Println("  warning:", w)
		}
	}
	for _, l := range p.Losses {
		fmt.Println("no-proxy", l.Entry, "is", l.Kind)
	}
	// Output:
	// /etc/systemd/system/dcos-cosmos.service.d/proxykit-proxy.conf: Java proxy properties for dcos-cosmos.service through JAVA_TOOL_OPTIONS
	//   note: dcos-cosmos.service keeps its own -Djdk.http.auth.tunneling.disabledSchemes=NTLM
	// /etc/systemd/system/dcos-marathon.service.d/proxykit-proxy.conf: Java proxy properties for dcos-marathon.service through JAVA_TOOL_OPTIONS
	//   warning: is started by /opt/marathon/bin/marathon, not by java: the Java proxy properties go into JAVA_TOOL_OPTIONS, which every JVM it starts reads (each prints "Picked up JAVA_TOOL_OPTIONS" on stderr)
	// no-proxy 10.0.0.0/8 is narrowed
}

func ExampleJavaHomes() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"etc/environment":                   {Data: []byte("JAVA_HOME=/usr/local/jdk1.8.0_202\n")},
		"opt/mesosphere/environment.export": {Data: []byte("export JAVA_HOME=/opt/mesosphere/active/java/usr/java\n")},
		"etc/systemd/system/app.service":    {Data: []byte("[Service]\nEnvironment=JAVA_HOME=/srv/jdk-21\nExecStart=/srv/jdk-21/bin/java -jar /srv/app.jar\n")},
	}
	// Hand them to truststore.Discovery.JavaHomes.
	fmt.Println(jvmflags.JavaHomes(node, jvmflags.JavaHomeFiles, "*.service"))
	// Output:
	// [/usr/local/jdk1.8.0_202 /opt/mesosphere/active/java/usr/java /srv/jdk-21]
}
