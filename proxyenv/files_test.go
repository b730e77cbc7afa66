package proxyenv_test

import (
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

func TestPackageManagerFilesAreThoseThatExist(t *testing.T) {
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://svc@proxy.example.com:3128", Password: proxyenv.NewSecret("pw")})
	require.NoError(t, err)
	yum := &fstest.MapFile{Data: []byte("[main]\ngpgcheck=1\n")}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want []string
	}{
		{"neither", fstest.MapFS{}, nil},
		{"yum only", fstest.MapFS{"etc/yum.conf": yum}, []string{"etc/yum.conf"}},
		{"both", fstest.MapFS{"etc/yum.conf": yum, "etc/dnf/dnf.conf": yum}, []string{"etc/yum.conf", "etc/dnf/dnf.conf"}},
		{"dnf.conf through a link inside the root", fstest.MapFS{"etc/dnf": {Data: []byte("/srv/dnf"), Mode: fs.ModeSymlink}, "srv/dnf/dnf.conf": yum},
			[]string{"etc/dnf/dnf.conf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := s.PackageManagerFiles(tt.fsys)
			require.NoError(t, err)
			var got []string
			for _, f := range files {
				got = append(got, f.Path)
				assert.True(t, f.Secret, "the file holds the credentials")
				b, err := f.Edit(yum.Data)
				require.NoError(t, err)
				assert.Contains(t, string(b), "proxy_username=svc")
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDCOSFilesAddProxyEnvOnADCOSNode(t *testing.T) {
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.example.com:3128", NoProxy: ".corp.example"})
	require.NoError(t, err)
	files, err := s.DCOSFiles(nil)
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, "etc/environment", files[0].Path)
	assert.Equal(t, fs.FileMode(0o644), files[0].Mode, "every login session reads it")

	files, err = s.DCOSFiles(&proxyenv.DCOS{Version: "2.2.0"})
	require.NoError(t, err)
	require.Len(t, files, 2)
	pe := files[1]
	assert.Equal(t, proxyenv.DCOSProxyEnvPath, pe.Path)
	assert.True(t, pe.Secret)
	b, err := pe.Edit(nil)
	require.NoError(t, err)
	assert.Contains(t, string(b), "no_proxy=.corp.example,"+proxyenv.DCOSBypassList+"\n")

	bad, err := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.example.com:3128", NoProxy: "a#b"})
	if err == nil {
		_, err = bad.DCOSFiles(&proxyenv.DCOS{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/etc/environment: ")
	}
}

func ExampleSettings_DCOSFiles() {
	s, _ := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.example.com:3128", NoProxy: ".corp.example"})
	node := fstest.MapFS{"etc/mesosphere/roles/slave": {}, "opt/mesosphere/etc/dcos-version.json": {Data: []byte(`{"version": "2.2.0"}`)}}
	files, err := s.DCOSFiles(proxyenv.ReadDCOS(node))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		b, _ := f.Edit(nil) // the file's current content, nil when there is none
		fmt.Printf("/%s (%s):\n%s", f.Path, f.Why, b)
	}
	// Output:
	// /etc/environment (proxy for every login session (pam_env), both cases):
	// http_proxy="http://proxy.example.com:3128"
	// HTTP_PROXY="http://proxy.example.com:3128"
	// https_proxy="http://proxy.example.com:3128"
	// HTTPS_PROXY="http://proxy.example.com:3128"
	// no_proxy=".corp.example"
	// NO_PROXY=".corp.example"
	// /opt/mesosphere/etc/proxy.env (proxy for DC/OS services (EnvironmentFile=), both cases):
	// http_proxy=http://proxy.example.com:3128
	// HTTP_PROXY=http://proxy.example.com:3128
	// https_proxy=http://proxy.example.com:3128
	// HTTPS_PROXY=http://proxy.example.com:3128
	// no_proxy=.corp.example,.mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1,localhost
	// NO_PROXY=.corp.example,.mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1,localhost
}

func ExampleSettings_PackageManagerFiles() {
	s, _ := proxyenv.FromValues(proxyenv.Values{Proxy: "http://proxy.example.com:3128"})
	node := fstest.MapFS{"etc/yum.conf": {Data: []byte("[main]\ngpgcheck=1\n")}}
	files, _ := s.PackageManagerFiles(node)
	for _, f := range files {
		b, _ := f.Edit(node[f.Path].Data)
		fmt.Printf("/%s:\n%s", f.Path, b)
	}
	// Output:
	// /etc/yum.conf:
	// [main]
	// gpgcheck=1
	// proxy=http://proxy.example.com:3128
}
