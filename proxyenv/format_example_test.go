package proxyenv_test

import (
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/proxyenv"
)

// exampleSettings is the node of the examples: one proxy with credentials
// whose password holds characters that formats treat specially.
func exampleSettings() proxyenv.Settings {
	p, err := proxyenv.ParseProxy("http://svc:p@ss$1@proxy.corp:3128")
	if err != nil {
		panic(err)
	}
	return proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p, NoProxy: proxyenv.ParseNoProxy("localhost,.corp,mirror.corp")}
}

func ExampleSettings_EtcEnvironment() {
	edit, warns, err := exampleSettings().EtcEnvironment()
	if err != nil {
		panic(err)
	}
	out, err := edit([]byte("PATH=\"/usr/bin:/bin\"\nhttp_proxy=http://old.corp:8080\n"))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	fmt.Println(len(warns), "warning: world-readable")
	// Output:
	// PATH="/usr/bin:/bin"
	// http_proxy="http://svc:p%40ss%241@proxy.corp:3128"
	// HTTP_PROXY="http://svc:p%40ss%241@proxy.corp:3128"
	// https_proxy="http://svc:p%40ss%241@proxy.corp:3128"
	// HTTPS_PROXY="http://svc:p%40ss%241@proxy.corp:3128"
	// no_proxy="localhost,.corp,mirror.corp"
	// NO_PROXY="localhost,.corp,mirror.corp"
	// 1 warning: world-readable
}

func ExampleSettings_ProfileScript() {
	edit, _, err := exampleSettings().ProfileScript()
	if err != nil {
		panic(err)
	}
	out, err := edit(nil)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// export http_proxy='http://svc:p%40ss%241@proxy.corp:3128'
	// export HTTP_PROXY='http://svc:p%40ss%241@proxy.corp:3128'
	// export https_proxy='http://svc:p%40ss%241@proxy.corp:3128'
	// export HTTPS_PROXY='http://svc:p%40ss%241@proxy.corp:3128'
	// export no_proxy='localhost,.corp,mirror.corp'
	// export NO_PROXY='localhost,.corp,mirror.corp'
}

func ExampleSettings_YumConf() {
	edit, warns, err := exampleSettings().YumConf()
	if err != nil {
		panic(err)
	}
	out, err := edit([]byte("[main]\ngpgcheck=1\n\n[extras]\nname=Extras\n"))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	for _, w := range warns {
		fmt.Println(w)
	}
	// Output:
	// [main]
	// gpgcheck=1
	// proxy=http://proxy.corp:3128
	// proxy_username=svc
	// proxy_password=p@ss$1
	//
	// [extras]
	// name=Extras
	// yum.conf: no_proxy: yum and dnf have no no-proxy list; set proxy=_none_ in the .repo section of each repository to reach directly
	// yum.conf: proxy_password: holds '$': dnf replaces $name and ${name} by its variable where one is defined (releasever, basearch, /etc/dnf/vars)
}

func ExampleSettings_DNFConf() {
	p, _ := proxyenv.ParseProxy("proxy.corp:3128")
	edit, _, err := proxyenv.Settings{HTTPSProxy: &p}.DNFConf()
	if err != nil {
		panic(err)
	}
	_, err = edit([]byte("[updates]\nenabled=1\n"))
	fmt.Println(err)
	// Output:
	// dnf.conf: malformed file: no [main] section
}

func ExampleSettings_AptConf() {
	edit, warns, err := exampleSettings().AptConf()
	if err != nil {
		panic(err)
	}
	out, err := edit(nil)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	for _, w := range warns {
		fmt.Println(w)
	}
	// Output:
	// Acquire::http::Proxy "http://svc:p%40ss%241@proxy.corp:3128";
	// Acquire::https::Proxy "http://svc:p%40ss%241@proxy.corp:3128";
	// Acquire::http::Proxy::localhost "DIRECT";
	// Acquire::https::Proxy::localhost "DIRECT";
	// Acquire::http::Proxy::mirror.corp "DIRECT";
	// Acquire::https::Proxy::mirror.corp "DIRECT";
	// apt.conf: localhost: apt matches localhost exactly; requests to its subdomains still go through the proxy
	// apt.conf: .corp: apt has no suffix match; add a line for each host name that must be reached directly
	// apt.conf: mirror.corp: apt matches mirror.corp exactly; requests to its subdomains still go through the proxy
}

func ExampleSettings_DockerDaemonEnv() {
	env, warns := exampleSettings().DockerDaemonEnv()
	for _, kv := range env {
		fmt.Println(kv)
	}
	fmt.Println(len(warns), "warning: systemctl show")
	// Output:
	// HTTP_PROXY=http://svc:p%40ss%241@proxy.corp:3128
	// http_proxy=http://svc:p%40ss%241@proxy.corp:3128
	// HTTPS_PROXY=http://svc:p%40ss%241@proxy.corp:3128
	// https_proxy=http://svc:p%40ss%241@proxy.corp:3128
	// NO_PROXY=localhost,.corp,mirror.corp
	// no_proxy=localhost,.corp,mirror.corp
	// 1 warning: systemctl show
}

func ExampleSettings_DockerDaemonJSON() {
	p, _ := proxyenv.ParseProxy("proxy.corp:3128")
	s := proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p, NoProxy: proxyenv.ParseNoProxy("localhost,.corp")}
	edit, _, err := s.DockerDaemonJSON()
	if err != nil {
		panic(err)
	}
	out, err := edit([]byte("{\n    \"log-driver\": \"journald\",\n    \"live-restore\": true\n}\n"))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// {
	//     "log-driver": "journald",
	//     "live-restore": true,
	//     "proxies": {
	//         "http-proxy": "http://proxy.corp:3128",
	//         "https-proxy": "http://proxy.corp:3128",
	//         "no-proxy": "localhost,.corp"
	//     }
	// }
}

func ExampleSettings_DockerClientConfig() {
	edit, _, err := exampleSettings().DockerClientConfig()
	if err != nil {
		panic(err)
	}
	out, err := edit([]byte(`{
	"auths": {
		"registry.corp": {"auth": "dXNlcjpwYXNz"}
	},
	"credsStore": "pass"
}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// {
	// 	"auths": {
	// 		"registry.corp": {"auth": "dXNlcjpwYXNz"}
	// 	},
	// 	"credsStore": "pass",
	// 	"proxies": {
	// 		"default": {
	// 			"httpProxy": "http://svc:p%40ss%241@proxy.corp:3128",
	// 			"httpsProxy": "http://svc:p%40ss%241@proxy.corp:3128",
	// 			"noProxy": "localhost,.corp,mirror.corp"
	// 		}
	// 	}
	// }
}

func ExampleSettings_DockerBuildArgs() {
	args, warns := exampleSettings().DockerBuildArgs()
	for _, a := range args {
		fmt.Println("--build-arg", a)
	}
	for _, w := range warns {
		fmt.Println(w)
	}
	// Output:
	// --build-arg HTTP_PROXY=http://svc:p%40ss%241@proxy.corp:3128
	// --build-arg http_proxy=http://svc:p%40ss%241@proxy.corp:3128
	// --build-arg HTTPS_PROXY=http://svc:p%40ss%241@proxy.corp:3128
	// --build-arg https_proxy=http://svc:p%40ss%241@proxy.corp:3128
	// --build-arg NO_PROXY=localhost,.corp,mirror.corp
	// --build-arg no_proxy=localhost,.corp,mirror.corp
	// docker build args: the build args carry the proxy credentials: they are visible in image history when the Dockerfile declares them as ARG, and may appear in build logs and provenance; prefer a proxy that needs no credentials for builds
}

func ExampleSettings_Condarc() {
	edit, _, err := exampleSettings().Condarc()
	if err != nil {
		panic(err)
	}
	out, err := edit([]byte("channels:\n  - defaults\n\n# corporate proxy\nproxy_servers:\n  http: http://old.corp:8080  # old\n\nssl_verify: true\n"))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// channels:
	//   - defaults
	//
	// # corporate proxy
	// proxy_servers:
	//   http: "http://svc:p%40ss%241@proxy.corp:3128" # old
	//   https: "http://svc:p%40ss%241@proxy.corp:3128"
	//
	// ssl_verify: true
}

func ExampleSettings_DCOSProxyEnv() {
	p, _ := proxyenv.ParseProxy("proxy.corp:3128")
	s := proxyenv.Settings{HTTPProxy: &p, HTTPSProxy: &p, NoProxy: proxyenv.ParseNoProxy(".corp,localhost")}
	edit, _, err := s.DCOSProxyEnv()
	if err != nil {
		panic(err)
	}
	out, err := edit(nil)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// http_proxy=http://proxy.corp:3128
	// HTTP_PROXY=http://proxy.corp:3128
	// https_proxy=http://proxy.corp:3128
	// HTTPS_PROXY=http://proxy.corp:3128
	// no_proxy=.corp,localhost,.mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1
	// NO_PROXY=.corp,localhost,.mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1
}

func ExampleDCOSBypass() {
	l := proxyenv.ParseNoProxy("localhost,.corp").Merge(proxyenv.DCOSBypass())
	fmt.Println(l)
	// Output:
	// localhost,.corp,.mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1
}

func ExampleSettings_ComposeFile() {
	edit, _, err := exampleSettings().ComposeFile("repo_api")
	if err != nil {
		panic(err)
	}
	out, err := edit([]byte(`services:
  repo_db:
    image: postgres:13
  repo_api:
    image: repo:6.1   # Anaconda Server
    environment:
      - REPO_DB_HOST=repo_db
`))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// services:
	//   repo_db:
	//     image: postgres:13
	//   repo_api:
	//     image: repo:6.1   # Anaconda Server
	//     environment:
	//       - REPO_DB_HOST=repo_db
	//       - http_proxy=${PROXYKIT_HTTP_PROXY}
	//       - HTTP_PROXY=${PROXYKIT_HTTP_PROXY}
	//       - https_proxy=${PROXYKIT_HTTPS_PROXY}
	//       - HTTPS_PROXY=${PROXYKIT_HTTPS_PROXY}
	//       - no_proxy=${PROXYKIT_NO_PROXY}
	//       - NO_PROXY=${PROXYKIT_NO_PROXY}
}

func ExampleSettings_ComposeDotEnv() {
	s := exampleSettings()
	// The containers reach each other by service name, directly.
	names, err := proxyenv.ComposeServiceNames([]byte("services:\n  repo_db: {image: postgres}\n  repo_api: {image: repo}\n"))
	if err != nil {
		panic(err)
	}
	s.NoProxy = s.NoProxy.Merge(proxyenv.ParseNoProxy(strings.Join(names, ",")))
	edit, _, err := s.ComposeDotEnv()
	if err != nil {
		panic(err)
	}
	out, err := edit([]byte("ATE_VERSION=6.1.2\n"))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// ATE_VERSION=6.1.2
	// PROXYKIT_HTTP_PROXY=http://svc:p%40ss%241@proxy.corp:3128
	// PROXYKIT_HTTPS_PROXY=http://svc:p%40ss%241@proxy.corp:3128
	// PROXYKIT_NO_PROXY=localhost,.corp,mirror.corp,repo_db,repo_api
}

func ExampleServerMirror() {
	m, err := proxyenv.ParseServerMirror("conda-forge/cf https://conda.anaconda.org/conda-forge http://user1@proxy.corp:8899")
	if err != nil {
		panic(err)
	}
	// The password comes from the mirror's own variable, never the command line.
	fmt.Println(proxyenv.ServerMirrorPasswordVar(m.Channel, m.Name))
	m.Proxy.Password = proxyenv.NewSecret("pw1")
	fmt.Println(strings.Join(m.Args(false), " "))
	fmt.Print("POST ", m.RequestPath(), "\n", string(m.RequestBody(false)))
	// Output:
	// PROXYKIT_MIRROR_PASSWORD_CONDA_FORGE_CF
	// conda repo mirror --create cf --channel conda-forge --source https://conda.anaconda.org/conda-forge --proxy http://user1:xxxxx@proxy.corp:8899
	// POST /channels/conda-forge/mirrors
	// {
	//   "mirror_name": "cf",
	//   "source_root": "https://conda.anaconda.org/conda-forge",
	//   "mirror_type": "conda",
	//   "proxy": "http://user1:xxxxx@proxy.corp:8899"
	// }
}
