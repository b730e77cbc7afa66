package dockerd_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/dockerd"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/systemdunit"
)

const dockerService = `[Unit]
Description=Docker Application Container Engine

[Service]
Type=notify
ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock
`

// host is a Debian Docker host with the files given laid over it.
func host(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"lib/systemd/system/docker.service": {Data: []byte(dockerService), Mode: 0o644},
		"etc/docker/daemon.json":            {Data: []byte("{\n  \"log-driver\": \"journald\"\n}\n"), Mode: 0o644},
	}
	for p, s := range files {
		if s == "" {
			delete(fsys, p)
			continue
		}
		fsys[p] = &fstest.MapFile{Data: []byte(s), Mode: 0o644}
	}
	return fsys
}

func settings(t *testing.T, proxy, noProxy, password string) proxyenv.Settings {
	t.Helper()
	s, err := proxyenv.FromValues(proxyenv.Values{Proxy: proxy, NoProxy: noProxy, Password: proxyenv.NewSecret(password)})
	require.NoError(t, err)
	return s
}

// apply writes the plan's changes into fsys, as a writer would.
func apply(t *testing.T, fsys fstest.MapFS, p *dockerd.Plan) {
	t.Helper()
	for _, c := range p.Changes {
		var old []byte
		if f, ok := fsys[c.Path]; ok {
			old = f.Data
		}
		b, err := c.Edit(old)
		require.NoError(t, err, c.Path)
		fsys[c.Path] = &fstest.MapFile{Data: b, Mode: 0o600}
	}
}

func paths(p *dockerd.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Path)
	}
	return out
}

func warnings(p *dockerd.Plan) string {
	var b strings.Builder
	for _, w := range p.Warnings {
		b.WriteString(w.String() + "\n")
	}
	return b.String()
}

func TestChangesPutTheProxyInOnePlace(t *testing.T) {
	const laterDropIn = "etc/systemd/system/docker.service.d/zz-proxy.conf"
	tests := []struct {
		name     string
		files    map[string]string
		place    dockerd.Place
		password string
		paths    []string // the files changed, in order
		warn     []string // in the warnings
		noWarn   []string
		env      string // the proxy environment after apply, "" with daemon.json
	}{
		{name: "a drop-in on a plain host", place: dockerd.InDropIn,
			paths: []string{dockerd.DropInPath},
			env:   "HTTP_PROXY=http://proxy.corp:3128 http_proxy=http://proxy.corp:3128 HTTPS_PROXY=http://proxy.corp:3128 https_proxy=http://proxy.corp:3128 NO_PROXY=.corp no_proxy=.corp"},
		{name: "credentials in Environment= are readable by every user", place: dockerd.InDropIn, password: "s3cret",
			paths: []string{dockerd.DropInPath},
			warn:  []string{"/" + dockerd.DropInPath + `: Environment= values are shown to every local user by "systemctl show docker"`}},
		{name: "an environment file keeps them root-only", place: dockerd.InEnvFile, password: "s3cret",
			paths:  []string{dockerd.EnvFilePath, dockerd.DropInPath},
			noWarn: []string{"systemctl show"},
			env:    "HTTP_PROXY=http://svc:s3cret@proxy.corp:3128"},
		{name: "daemon.json's proxies are removed for the drop-in", place: dockerd.InDropIn,
			files: map[string]string{dockerd.DaemonJSONPath: `{"proxies": {"http-proxy": "http://old:1"}}`},
			paths: []string{dockerd.DaemonJSONPath, dockerd.DropInPath},
			warn:  []string{`/etc/docker/daemon.json: its "proxies" are removed`}},
		{name: "daemon.json, and the drop-in and environment file cleaned", place: dockerd.InDaemonJSON,
			files: map[string]string{dockerd.DropInPath: "[Service]\nEnvironmentFile=/etc/docker/proxy.env\n", dockerd.EnvFilePath: "HTTP_PROXY=http://old:1\n"},
			paths: []string{dockerd.DaemonJSONPath, dockerd.DropInPath, dockerd.EnvFilePath},
			warn:  []string{"its proxy variables are removed: the daemon's proxy comes from daemon.json alone", "need Docker Engine 23 or later"}},
		{name: "a later drop-in overrides ours", place: dockerd.InDropIn,
			files: map[string]string{laterDropIn: "[Service]\nEnvironment=HTTP_PROXY=http://old:1 NO_PROXY=.corp\n"},
			paths: []string{dockerd.DropInPath},
			warn:  []string{"docker.service: the drop-in /" + laterDropIn + " sorts after http-proxy.conf and sets HTTP_PROXY: systemd takes its values; remove them there"}},
		{name: "an environment file overrides every Environment= line", place: dockerd.InDropIn,
			files: map[string]string{"etc/systemd/system/docker.service.d/10-sysconfig.conf": "[Service]\nEnvironmentFile=-/etc/sysconfig/docker\n", "etc/sysconfig/docker": "https_proxy=http://old:1\n"},
			paths: []string{dockerd.DropInPath},
			warn:  []string{"docker.service: reads /etc/sysconfig/docker with EnvironmentFile=, which sets https_proxy and overrides every Environment= line, ours included"}},
		{name: "a drop-in of the same name with higher precedence hides ours", place: dockerd.InDropIn,
			files: map[string]string{"etc/systemd/system.control/docker.service.d/http-proxy.conf": "[Service]\nEnvironment=HTTP_PROXY=http://old:1\n"},
			paths: []string{dockerd.DropInPath},
			warn:  []string{"once written, systemd still takes HTTP_PROXY from /etc/systemd/system.control/docker.service.d/http-proxy.conf"}},
		{name: "a proxy flag on dockerd's command line is reported", place: dockerd.InDropIn,
			files: map[string]string{"etc/systemd/system/docker.service.d/override.conf": "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --http-proxy=http://old:1\n"},
			paths: []string{dockerd.DropInPath},
			warn:  []string{"ExecStart passes --http-proxy to dockerd, which overrides the drop-in's environment"}},
		{name: "no unit: planned for when Docker is installed", place: dockerd.InDropIn,
			files: map[string]string{"lib/systemd/system/docker.service": ""},
			paths: []string{dockerd.DropInPath},
			warn:  []string{"docker.service: no unit file under the root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := host(tt.files)
			s := settings(t, "http://svc@proxy.corp:3128", ".corp", tt.password)
			if tt.password == "" {
				s = settings(t, "http://proxy.corp:3128", ".corp", "")
			}
			p, err := dockerd.Changes(fsys, s, tt.place)
			require.NoError(t, err)
			assert.Equal(t, tt.paths, paths(p))
			for _, w := range tt.warn {
				assert.Contains(t, warnings(p), w)
			}
			for _, w := range tt.noWarn {
				assert.NotContains(t, warnings(p), w)
			}
			if tt.password != "" {
				assert.NotContains(t, warnings(p), tt.password)
			}
			if tt.env != "" {
				require.NotNil(t, p.After)
				assert.Contains(t, strings.Join(p.After.Env(), " "), tt.env)
			}

			// Written, the plan changes nothing more, and a place is
			// clean of the proxy the other holds.
			apply(t, fsys, p)
			again, err := dockerd.Changes(fsys, s, tt.place)
			require.NoError(t, err)
			for _, c := range again.Changes {
				b, err := c.Edit(fsys[c.Path].Data)
				require.NoError(t, err)
				assert.Equal(t, string(fsys[c.Path].Data), string(b), "%s changes again", c.Path)
			}
			u, _ := systemdunit.Load(fsys, dockerd.Unit)
			eff, err := u.Effective(fsys)
			require.NoError(t, err)
			_, fromUnit := eff.Lookup("HTTP_PROXY")
			json := string(fsys[dockerd.DaemonJSONPath].Data)
			assert.Equal(t, tt.place == dockerd.InDaemonJSON, strings.Contains(json, "proxies"), "daemon.json: %s", json)
			if tt.place == dockerd.InDaemonJSON {
				assert.False(t, fromUnit, "the unit still sets a proxy")
			}
		})
	}
}

func TestChangesRefuse(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		place dockerd.Place
		err   error
		msg   string
	}{
		{"a proxy flag with daemon.json: dockerd would not start", map[string]string{
			"etc/systemd/system/docker.service.d/override.conf": "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --https-proxy http://old:1\n"},
			dockerd.InDaemonJSON, dockerd.ErrConflict, "ExecStart passes --https-proxy to dockerd; with proxies in daemon.json too, dockerd refuses to start"},
		{"another file sets the proxy with daemon.json", map[string]string{
			"etc/systemd/system/docker.service.d/zz.conf": "[Service]\nEnvironment=no_proxy=localhost\n"},
			dockerd.InDaemonJSON, dockerd.ErrConflict, "/etc/systemd/system/docker.service.d/zz.conf sets no_proxy for dockerd too"},
		{"a daemon.json dockerd cannot read, which a restart would stop on", map[string]string{
			dockerd.DaemonJSONPath: `{"log-driver": "journald",`}, dockerd.InDropIn, proxyenv.ErrMalformed, "dockerd will not start with it: fix it first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dockerd.Changes(host(tt.files), settings(t, "http://proxy.corp:3128", "", ""), tt.place)
			require.ErrorIs(t, err, tt.err)
			require.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestChangesOnAMaskedUnit(t *testing.T) {
	fsys := host(nil)
	fsys["etc/systemd/system/docker.service"] = &fstest.MapFile{Data: []byte("/dev/null"), Mode: fs.ModeSymlink | 0o777}
	p, err := dockerd.Changes(fsys, settings(t, "http://proxy.corp:3128", "", ""), dockerd.InDropIn)
	require.NoError(t, err)
	assert.True(t, p.Masked)
	assert.Contains(t, warnings(p), "the unit is masked")
}

func TestEnvFileIsRootOnlyAndTheDropInNamesIt(t *testing.T) {
	fsys := host(nil)
	p, err := dockerd.Changes(fsys, settings(t, "http://svc@proxy.corp:3128", "", "pw"), dockerd.InEnvFile)
	require.NoError(t, err)
	require.Len(t, p.Changes, 2)
	assert.Equal(t, fs.FileMode(0o600), p.Changes[0].Mode)
	assert.True(t, p.Changes[0].Secret)
	assert.True(t, p.Changes[1].Reload)
	assert.Equal(t, []string{"HTTP_PROXY=http://svc:xxxxx@proxy.corp:3128", "HTTPS_PROXY=http://svc:xxxxx@proxy.corp:3128"},
		p.ProxyEnvironment(), "read from the planned file, the password redacted")
	apply(t, fsys, p)
	assert.Equal(t, "[Service]\nEnvironmentFile=/etc/docker/proxy.env\n", string(fsys[dockerd.DropInPath].Data))
}

func TestRegistryCAPath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"registry.corp.example", "etc/docker/certs.d/registry.corp.example/ca.crt"},
		{"registry.corp.example:5000", "etc/docker/certs.d/registry.corp.example:5000/ca.crt"},
		{"127.0.0.1:5000", "etc/docker/certs.d/127.0.0.1:5000/ca.crt"},
		{"[::1]:5000", "etc/docker/certs.d/[::1]:5000/ca.crt"},
		{"https://registry.corp.example", ""},
		{"registry.corp.example:0", ""},
		{"../etc", ""},
		{"..", ""},
		{"", ""},
		{"user@registry", ""},
	} {
		got, err := dockerd.RegistryCAPath(tt.in)
		if tt.want == "" {
			require.ErrorIs(t, err, dockerd.ErrRegistry, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got)
	}
}

func TestEnvironmentIsTheProxyDockerdGetsToday(t *testing.T) {
	const unitOnly = "lib/systemd/system/docker.service"
	tests := []struct {
		name  string
		files map[string]string
		env   []string
		ok    bool
	}{
		{"nothing: no Docker", map[string]string{unitOnly: "", dockerd.DaemonJSONPath: ""}, nil, false},
		{"the unit without proxy", nil, nil, true},
		{"the drop-in and its environment file", map[string]string{
			dockerd.DropInPath:  "[Service]\nEnvironment=HTTP_PROXY=http://a:1 NO_PROXY=.corp\nEnvironmentFile=/etc/docker/proxy.env\n",
			dockerd.EnvFilePath: "HTTP_PROXY=http://b:2\n"},
			[]string{"HTTP_PROXY=http://b:2", "NO_PROXY=.corp"}, true},
		{"daemon.json's proxies come first and win in either case", map[string]string{
			dockerd.DropInPath:     "[Service]\nEnvironment=HTTP_PROXY=http://a:1 https_proxy=http://a:1 NO_PROXY=.corp\n",
			dockerd.DaemonJSONPath: `{"proxies": {"http-proxy": "http://json:3", "no-proxy": ""}}`},
			[]string{"http_proxy=http://json:3", "https_proxy=http://a:1", "NO_PROXY=.corp"}, true},
		{"daemon.json alone", map[string]string{unitOnly: "", dockerd.DaemonJSONPath: `{"proxies": {"https-proxy": "http://json:3"}}`},
			[]string{"https_proxy=http://json:3"}, true},
		{"a daemon.json that does not parse adds nothing", map[string]string{dockerd.DaemonJSONPath: `{"proxies": `}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, ok, err := dockerd.Environment(host(tt.files))
			require.NoError(t, err)
			assert.Equal(t, tt.ok, ok)
			if len(env) == 0 {
				env = nil
			}
			assert.Equal(t, tt.env, env)
		})
	}
}
