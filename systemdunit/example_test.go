package systemdunit_test

import (
	"fmt"

	"github.com/proxykit/proxykit/systemdunit"
)

func ExampleParse() {
	unit := []byte(`[Unit]
Description=Cosmos

[Service]
Environment="JAVA_HOME=/opt/java" LANG=C.UTF-8
# the launcher
ExecStart=/opt/java/bin/java \
  -Dhttp.proxyHost=proxy.example.com \
  # comment lines may sit inside a continuation
  -jar /opt/cosmos.jar
`)
	f, err := systemdunit.Parse(unit)
	if err != nil {
		fmt.Println(err)
		return
	}
	env, _ := f.Environment()
	fmt.Println(env)
	cmds, _ := f.Commands("ExecStart")
	fmt.Printf("%q\n", cmds[0].Argv)
	// Output:
	// [JAVA_HOME=/opt/java LANG=C.UTF-8]
	// ["/opt/java/bin/java" "-Dhttp.proxyHost=proxy.example.com" "-jar" "/opt/cosmos.jar"]
}

func ExampleDropIn() {
	path, _ := systemdunit.DropInPath("docker.service", "http-proxy")
	d := systemdunit.DropIn{
		Environment: []string{
			"HTTP_PROXY=http://proxy.example.com:3128",
			"NO_PROXY=localhost,127.0.0.1,.example.com",
		},
		ExecStart: []systemdunit.Command{{Argv: []string{"/usr/bin/dockerd", "-H", "fd://"}}},
	}
	out, err := d.Edit(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(path)
	fmt.Print(string(out))
	// Output:
	// etc/systemd/system/docker.service.d/http-proxy.conf
	// [Service]
	// Environment="HTTP_PROXY=http://proxy.example.com:3128"
	// Environment="NO_PROXY=localhost,127.0.0.1,.example.com"
	// ExecStart=
	// ExecStart=/usr/bin/dockerd -H fd://
}

func ExampleFormatEnvironment() {
	v, _ := systemdunit.FormatEnvironment("HTTPS_PROXY=http://user:p%40ss@proxy:3128", `MSG=say "hi"`)
	fmt.Println("Environment=" + v)
	// Output:
	// Environment="HTTPS_PROXY=http://user:p%%40ss@proxy:3128" "MSG=say \"hi\""
}

func ExampleFormatExec() {
	v, _ := systemdunit.FormatExec(systemdunit.Command{
		Prefixes: "-",
		Argv:     []string{"/usr/bin/java", "-Dhttp.proxyPassword=pa$s%w", "-jar", "/opt/app one.jar"},
	})
	fmt.Println("ExecStart=" + v)
	// Output:
	// ExecStart=-/usr/bin/java -Dhttp.proxyPassword=pa$$s%%w -jar "/opt/app one.jar"
}
