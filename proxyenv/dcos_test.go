package proxyenv_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestReadDCOSSaysVersionAndRoles(t *testing.T) {
	version := &fstest.MapFile{Data: []byte(`{"version": "2.2.0", "dcos-image-commit": "abc"}`)}
	dir := &fstest.MapFile{Mode: fs.ModeDir | 0o755}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string // "" for no DC/OS
	}{
		{"no DC/OS", fstest.MapFS{"etc/os-release": {Data: []byte("ID=centos\n")}}, ""},
		{"a master", fstest.MapFS{"opt/mesosphere/etc/dcos-version.json": version, "etc/mesosphere/roles/master": {}}, "DC/OS 2.2.0 master"},
		{"a public agent", fstest.MapFS{"opt/mesosphere/etc/dcos-version.json": version, "etc/mesosphere/roles/slave_public": {}}, "DC/OS 2.2.0 public agent"},
		{"nothing known", fstest.MapFS{"opt/mesosphere": dir}, "DC/OS unknown version unknown role"},
		{"a version file that does not parse", fstest.MapFS{"opt/mesosphere/etc/dcos-version.json": {Data: []byte("{")}, "etc/mesosphere/roles/slave": {}},
			"DC/OS unknown version agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := proxyenv.ReadDCOS(tt.fsys)
			if tt.want == "" {
				require.Nil(t, d)
				assert.Equal(t, "no DC/OS installed (no /opt/mesosphere)", d.String())
				return
			}
			require.NotNil(t, d)
			assert.Equal(t, tt.want, d.String())
		})
	}
}

func TestProxyVariablesOfAnEnvironmentFile(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"none", "PATH=/opt/mesosphere/bin\nJAVA_HOME=/opt/java\n", nil},
		{"both cases, each once, in order", "https_proxy=x\nHTTP_PROXY=y\nhttps_proxy=z\nno_proxy=.mesos\n", []string{"https_proxy", "HTTP_PROXY", "no_proxy"}},
		{"export lines and blanks", "  export\tHTTPS_PROXY=http://p:3128\nexport no_proxy='.mesos'\n", []string{"HTTPS_PROXY", "no_proxy"}},
		{"CRLF", "http_proxy=x\r\nNO_PROXY=y\r\n", []string{"http_proxy", "NO_PROXY"}},
		{"comments and look-alikes", "# http_proxy=x\nexporthttp_proxy=x\nmy_http_proxy=x\nhttp_proxy\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, proxyenv.ProxyVariables([]byte(tt.in)))
		})
	}
}

func TestCheckDCOSEnvironmentNamesTheVariablesAndFixesThem(t *testing.T) {
	env := "LANG=en_US.UTF-8\nhttp_proxy=http://proxy.example.com:3128\nMESOS_IP_DISCOVERY_COMMAND=/opt/mesosphere/bin/detect_ip\nhttps_proxy=http://proxy.example.com:3128\n"
	export := "export PATH=\"/opt/mesosphere/bin:$PATH\"\nexport HTTPS_PROXY=http://proxy.example.com:3128\nexport no_proxy='.mesos,localhost'\n"
	fsys := fstest.MapFS{
		proxyenv.DCOSEnvironmentPath:       {Data: []byte(env)},
		proxyenv.DCOSEnvironmentExportPath: {Data: []byte(export)},
	}
	got, err := proxyenv.CheckDCOSEnvironment(fsys)
	require.NoError(t, err)
	require.Len(t, got, 2)
	for i, want := range []struct {
		path, instead string
		vars          []string
		fixed         string
	}{
		{proxyenv.DCOSEnvironmentPath, proxyenv.DCOSProxyEnvPath, []string{"http_proxy", "https_proxy"},
			"LANG=en_US.UTF-8\nMESOS_IP_DISCOVERY_COMMAND=/opt/mesosphere/bin/detect_ip\n"},
		{proxyenv.DCOSEnvironmentExportPath, "etc/environment", []string{"HTTPS_PROXY", "no_proxy"},
			"export PATH=\"/opt/mesosphere/bin:$PATH\"\n"},
	} {
		p := got[i]
		assert.Equal(t, want.path, p.Path)
		assert.Equal(t, want.instead, p.Instead)
		assert.Equal(t, want.vars, p.Variables)
		assert.NotEmpty(t, p.Why)
		b, err := p.Fix(fsys[p.Path].Data)
		require.NoError(t, err)
		assert.Equal(t, want.fixed, string(b))
		again, err := p.Fix(b)
		require.NoError(t, err)
		assert.Equal(t, b, again, "idempotent")
		assert.Empty(t, proxyenv.ProxyVariables(b))
	}

	none, err := proxyenv.CheckDCOSEnvironment(fstest.MapFS{proxyenv.DCOSEnvironmentPath: {Data: []byte("LANG=C\n")}})
	require.NoError(t, err)
	assert.Empty(t, none, "no proxy variables, no file: no problem")
}

// FuzzProxyVariables: reading any input never panics, and every name
// returned is a proxy variable the input assigns.
func FuzzProxyVariables(f *testing.F) {
	f.Add([]byte("export HTTPS_PROXY=http://p:3128\nno_proxy=.mesos\n"))
	f.Add([]byte("\xff\x00http_proxy=\r\n  export\thttp_proxy=x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, k := range proxyenv.ProxyVariables(b) {
			require.True(t, proxyenv.IsVariable(k))
			require.Contains(t, string(b), k+"=")
		}
	})
}

func ExampleReadDCOS() {
	fsys := fstest.MapFS{
		"opt/mesosphere/etc/dcos-version.json": {Data: []byte(`{"version": "2.2.0"}`)},
		"etc/mesosphere/roles/master":          {},
	}
	fmt.Println(proxyenv.ReadDCOS(fsys))
	fmt.Println(proxyenv.ReadDCOS(fstest.MapFS{}) == nil)
	// Output:
	// DC/OS 2.2.0 master
	// true
}

func ExampleCheckDCOSEnvironment() {
	fsys := fstest.MapFS{
		proxyenv.DCOSEnvironmentPath: {Data: []byte("LANG=C\nhttp_proxy=http://proxy.example.com:3128\n")},
	}
	problems, err := proxyenv.CheckDCOSEnvironment(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range problems {
		fixed, _ := p.Fix(fsys[p.Path].Data)
		fmt.Printf("/%s sets %s; put the proxy in /%s instead\n", p.Path, strings.Join(p.Variables, ", "), p.Instead)
		fmt.Printf("fixed: %q\n", fixed)
	}
	// Output:
	// /opt/mesosphere/environment sets http_proxy; put the proxy in /opt/mesosphere/etc/proxy.env instead
	// fixed: "LANG=C\n"
}
