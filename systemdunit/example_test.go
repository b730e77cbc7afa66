package systemdunit_test

import (
	"fmt"
	"testing/fstest"

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

func ExampleLoad() {
	root := fstest.MapFS{
		"usr/lib/systemd/system/docker.service": {Data: []byte("[Service]\nExecStart=/usr/bin/dockerd -H fd://\n")},
		"etc/systemd/system/docker.service.d/http-proxy.conf": {Data: []byte(
			"[Service]\nEnvironment=\"HTTPS_PROXY=http://proxy.example.com:3128\"\n")},
	}
	u, err := systemdunit.Load(root, "docker.service")
	if err != nil {
		fmt.Println(err)
		return
	}
	env, _ := u.Environment()
	cmds, _ := u.Commands("ExecStart")
	fmt.Println(len(u.Files), "files")
	fmt.Println(env)
	fmt.Println(cmds[0].Argv)
	// Output:
	// 2 files
	// [HTTPS_PROXY=http://proxy.example.com:3128]
	// [/usr/bin/dockerd -H fd://]
}

func ExampleCompare() {
	unit, _ := systemdunit.Parse([]byte("[Service]\nExecStart=/usr/bin/dockerd\n"))
	dropin, _ := systemdunit.DropIn{Environment: []string{"HTTP_PROXY=http://proxy:3128"}}.Edit(nil)
	d, _ := systemdunit.ParseNamed("docker.service.d/http-proxy.conf", dropin)
	before := map[string]*systemdunit.Unit{"docker.service": systemdunit.Merge("docker.service", unit)}
	after := map[string]*systemdunit.Unit{"docker.service": systemdunit.Merge("docker.service", unit, d)}
	r := systemdunit.Compare(before, after)
	fmt.Println("daemon-reload:", r.DaemonReload)
	fmt.Println("restart:", r.Restart)
	// Output:
	// daemon-reload: true
	// restart: [docker.service]
}

func ExampleUnit_Effective() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"usr/lib/systemd/system/docker.service":               {Data: []byte("[Service]\nEnvironmentFile=-/etc/sysconfig/docker\nExecStart=/usr/bin/dockerd\n")},
		"etc/systemd/system/docker.service.d/http-proxy.conf": {Data: []byte("[Service]\nEnvironment=HTTP_PROXY=http://proxy:3128 NO_PROXY=localhost\n")},
		"etc/sysconfig/docker":                                {Data: []byte("# set by an old installer\nNO_PROXY=127.0.0.1\n")},
	}
	u, err := systemdunit.Load(node, "docker.service")
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := u.Effective(node)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range e.Environment {
		fmt.Printf("%s (from /%s)\n", v, v.File)
	}
	fmt.Println(e.ExecStart[0].Argv, "from /"+e.ExecStartFile)
	// Output:
	// HTTP_PROXY=http://proxy:3128 (from /etc/systemd/system/docker.service.d/http-proxy.conf)
	// NO_PROXY=127.0.0.1 (from /etc/sysconfig/docker)
	// [/usr/bin/dockerd] from /usr/lib/systemd/system/docker.service
}

func ExampleUnit_WithDropIn() {
	node := fstest.MapFS{
		"usr/lib/systemd/system/docker.service":           {Data: []byte("[Service]\nExecStart=/usr/bin/dockerd\n")},
		"etc/systemd/system/docker.service.d/zz-old.conf": {Data: []byte("[Service]\nEnvironment=HTTP_PROXY=http://old:3128\n")},
	}
	u, _ := systemdunit.Load(node, "docker.service")
	// The unit as it will read once the planned drop-in is written.
	planned, _ := systemdunit.ParseNamed("etc/systemd/system/docker.service.d/http-proxy.conf", []byte("[Service]\nEnvironment=HTTP_PROXY=http://proxy:3128\n"))
	e, _ := u.WithDropIn(planned).Effective(node)
	v, _ := e.Lookup("HTTP_PROXY")
	fmt.Printf("%s, set by /%s\n", v, v.File)
	// Output: HTTP_PROXY=http://old:3128, set by /etc/systemd/system/docker.service.d/zz-old.conf
}

func ExampleParseEnvironmentFile() {
	env, _ := systemdunit.ParseEnvironmentFile([]byte("# proxy\nhttp_proxy=http://proxy:3128\nNO_PROXY=\"localhost,.corp\"\n"))
	fmt.Println(env)
	// Output: [http_proxy=http://proxy:3128 NO_PROXY=localhost,.corp]
}

func ExampleFind() {
	node := fstest.MapFS{
		"etc/systemd/system/dcos-cosmos.service":           {Data: []byte("[Service]\nExecStart=/opt/cosmos\n")},
		"usr/lib/systemd/system/dcos-mesos-master.service": {Data: []byte("[Service]\nExecStart=/opt/mesos\n")},
		"usr/lib/systemd/system/docker.service":            {Data: []byte("[Service]\nExecStart=/usr/bin/dockerd\n")},
	}
	names, _ := systemdunit.Find(node, "dcos-*.service")
	fmt.Println(names)
	// Output: [dcos-cosmos.service dcos-mesos-master.service]
}

func ExampleEffective_Overrides() {
	node := fstest.MapFS{
		"usr/lib/systemd/system/docker.service":          {Data: []byte("[Service]\nExecStart=/usr/bin/dockerd\n")},
		"etc/systemd/system/docker.service.d/proxy.conf": {Data: []byte("[Service]\nEnvironment=HTTP_PROXY=http://old-proxy:8080\n")},
	}
	u, _ := systemdunit.Load(node, "docker.service")
	e, _ := u.Effective(node)
	for _, o := range e.Overrides("http-proxy.conf", []string{"HTTP_PROXY", "NO_PROXY"}, false) {
		fmt.Printf("/%s sorts after http-proxy.conf and sets %v\n", o.File, o.Keys)
	}
	// Output: /etc/systemd/system/docker.service.d/proxy.conf sorts after http-proxy.conf and sets [HTTP_PROXY]
}
