package systemdunit_test

import (
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/systemdunit"
)

// affectedNode is a node with units that read a shared environment file,
// one whose own later EnvironmentFile= sets the no-proxy list, one whose
// later drop-in does, and one reached through DC/OS-style links.
func affectedNode() fstest.MapFS {
	link := func(target string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
	}
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"opt/etc/proxy.env":                                  file("http_proxy=http://old:3128\nno_proxy=.a\n"),
		"etc/pinned.env":                                     file("no_proxy=.pinned\n"),
		"usr/lib/systemd/system/docker.service":              file("[Service]\nExecStart=/usr/bin/dockerd\n"),
		"etc/systemd/system/docker.service.d/zz-pinned.conf": file("[Service]\nEnvironment=NO_PROXY=.pinned\n"),
		"etc/systemd/system/mesos.service":                   file("[Service]\nEnvironmentFile=-/opt/etc/proxy.env\nExecStart=/bin/mesos\n"),
		"etc/systemd/system/pinned.service": file("[Service]\nEnvironmentFile=-/opt/etc/proxy.env\n" +
			"EnvironmentFile=/etc/pinned.env\nExecStart=/bin/pinned\n"),
		"etc/systemd/system/app.service":    file("[Service]\nExecStart=/bin/app\n"),
		"opt/pkg--1/linked.service":         file("[Service]\nEnvironmentFile=/opt/active/pkg/env\nExecStart=/bin/linked\n"),
		"opt/pkg--1/env":                    file("A=1\n"),
		"opt/active/pkg":                    link("/opt/pkg--1"),
		"etc/systemd/system/linked.service": link("/opt/pkg--1/linked.service"),
	}
}

// affectedCase is a change of files on affectedNode and what it does to
// the units.
type affectedCase struct {
	name    string
	planned map[string]string
	want    []systemdunit.Change
	reasons map[string]string // unit → Change.Reason
}

var affectedCases = []affectedCase{
	{
		name:    "a new proxy in an environment file restarts its readers",
		planned: map[string]string{"opt/etc/proxy.env": "http_proxy=http://new:3128\nno_proxy=.a\n"},
		want: []systemdunit.Change{
			{Unit: "mesos.service", Environment: true, EnvironmentFiles: []string{"/opt/etc/proxy.env"}, Planned: []string{"opt/etc/proxy.env"}},
			{Unit: "pinned.service", Environment: true, EnvironmentFiles: []string{"/opt/etc/proxy.env"}, Planned: []string{"opt/etc/proxy.env"}},
		},
		reasons: map[string]string{"mesos.service": "its environment changes (it reads /opt/etc/proxy.env with EnvironmentFile=)"},
	},
	{
		name:    "a no-proxy list a later EnvironmentFile= sets restarts only the others",
		planned: map[string]string{"/opt/etc/proxy.env": "http_proxy=http://old:3128\nno_proxy=.b\n"},
		want: []systemdunit.Change{
			{Unit: "mesos.service", Environment: true, EnvironmentFiles: []string{"/opt/etc/proxy.env"}, Planned: []string{"/opt/etc/proxy.env"}},
			{Unit: "pinned.service", EnvironmentFiles: []string{"/opt/etc/proxy.env"}, Planned: []string{"/opt/etc/proxy.env"}},
		},
	},
	{
		name:    "a drop-in in a new directory",
		planned: map[string]string{"etc/systemd/system/app.service.d/proxy.conf": "[Service]\nEnvironment=HTTP_PROXY=http://p:3128\n"},
		want: []systemdunit.Change{
			{Unit: "app.service", Files: true, Environment: true, UnitFiles: []string{"etc/systemd/system/app.service.d/proxy.conf"}, Planned: []string{"etc/systemd/system/app.service.d/proxy.conf"}},
		},
		reasons: map[string]string{"app.service": "its environment changes (drop-in /etc/systemd/system/app.service.d/proxy.conf)"},
	},
	{
		name:    "a drop-in a later one overrides needs a daemon-reload only",
		planned: map[string]string{"etc/systemd/system/docker.service.d/http-proxy.conf": "[Service]\nEnvironment=NO_PROXY=.corp\n"},
		want: []systemdunit.Change{
			{Unit: "docker.service", Files: true, UnitFiles: []string{"etc/systemd/system/docker.service.d/http-proxy.conf"}, Planned: []string{"etc/systemd/system/docker.service.d/http-proxy.conf"}},
		},
		reasons: map[string]string{"docker.service": "/etc/systemd/system/docker.service.d/http-proxy.conf changes but not the unit's environment or command line"},
	},
	{
		name:    "a new ExecStartPre= restarts",
		planned: map[string]string{"etc/systemd/system/app.service.d/pre.conf": "[Service]\nExecStartPre=/bin/check\n"},
		want: []systemdunit.Change{
			{Unit: "app.service", Files: true, Commands: []string{"ExecStartPre"}, UnitFiles: []string{"etc/systemd/system/app.service.d/pre.conf"}, Planned: []string{"etc/systemd/system/app.service.d/pre.conf"}},
		},
		reasons: map[string]string{"app.service": "its ExecStartPre= changes (drop-in /etc/systemd/system/app.service.d/pre.conf)"},
	},
	{
		name:    "a new ExecStop= needs a daemon-reload only",
		planned: map[string]string{"etc/systemd/system/app.service.d/stop.conf": "[Service]\nExecStop=/bin/kill-app\n"},
		want: []systemdunit.Change{
			{Unit: "app.service", Files: true, Commands: []string{"ExecStop"}, UnitFiles: []string{"etc/systemd/system/app.service.d/stop.conf"}, Planned: []string{"etc/systemd/system/app.service.d/stop.conf"}},
		},
	},
	{
		name:    "a new command line through the unit file",
		planned: map[string]string{"etc/systemd/system/app.service": "[Service]\nExecStart=/bin/app -v\n"},
		want: []systemdunit.Change{
			{Unit: "app.service", Files: true, Commands: []string{"ExecStart"}, UnitFiles: []string{"etc/systemd/system/app.service"}, Planned: []string{"etc/systemd/system/app.service"}},
		},
		reasons: map[string]string{"app.service": "its command line changes (unit file /etc/systemd/system/app.service)"},
	},
	{
		name:    "an environment file named through links, written where they lead",
		planned: map[string]string{"opt/pkg--1/env": "A=2\n"},
		want: []systemdunit.Change{
			{Unit: "linked.service", Environment: true, EnvironmentFiles: []string{"/opt/active/pkg/env"}, Planned: []string{"opt/pkg--1/env"}},
		},
	},
	{
		name:    "unchanged contents change nothing",
		planned: map[string]string{"opt/etc/proxy.env": "http_proxy=http://old:3128\nno_proxy=.a\n"},
		want: []systemdunit.Change{
			{Unit: "mesos.service", EnvironmentFiles: []string{"/opt/etc/proxy.env"}, Planned: []string{"opt/etc/proxy.env"}},
			{Unit: "pinned.service", EnvironmentFiles: []string{"/opt/etc/proxy.env"}, Planned: []string{"opt/etc/proxy.env"}},
		},
	},
	{
		name:    "a file no unit reads reaches none",
		planned: map[string]string{"etc/environment": "http_proxy=http://p:3128\n"},
	},
}

func TestAffected(t *testing.T) {
	for _, tt := range affectedCases {
		t.Run(tt.name, func(t *testing.T) {
			node := affectedNode()
			planned := map[string][]byte{}
			for p, s := range tt.planned {
				planned[p] = []byte(s)
			}
			got, err := systemdunit.Affected(node, planned, "*.service")
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			for _, c := range got {
				if r, ok := tt.reasons[c.Unit]; ok {
					require.Equal(t, r, c.Reason())
				}
			}
			require.Equal(t, affectedNode(), node, "Affected only reads the node")
		})
	}
}

func TestAffectedRefusesABadPattern(t *testing.T) {
	_, err := systemdunit.Affected(affectedNode(), nil, "[")
	require.Error(t, err)
}

func ExampleAffected() {
	node := fstest.MapFS{ // os.DirFS("/") on a real node
		"opt/mesosphere/etc/proxy.env":                   {Data: []byte("HTTP_PROXY=http://old:3128\nNO_PROXY=.mesos\n")},
		"etc/systemd/system/dcos-mesos-master.service":   {Data: []byte("[Service]\nEnvironmentFile=-/opt/mesosphere/etc/proxy.env\nExecStart=/opt/mesosphere/bin/mesos-master\n")},
		"etc/systemd/system/dcos-pinned.service":         {Data: []byte("[Service]\nEnvironmentFile=-/opt/mesosphere/etc/proxy.env\nEnvironmentFile=/etc/pinned.env\nExecStart=/bin/pinned\n")},
		"etc/pinned.env":                                 {Data: []byte("NO_PROXY=.pinned\n")},
		"usr/lib/systemd/system/docker.service":          {Data: []byte("[Service]\nExecStart=/usr/bin/dockerd\n")},
		"etc/systemd/system/docker.service.d/later.conf": {Data: []byte("[Service]\nEnvironment=NO_PROXY=.pinned\n")},
	}
	// Only the no-proxy list changes, in proxy.env and in Docker's drop-in.
	changes, err := systemdunit.Affected(node, map[string][]byte{
		"opt/mesosphere/etc/proxy.env":                        []byte("HTTP_PROXY=http://old:3128\nNO_PROXY=.mesos,.corp\n"),
		"etc/systemd/system/docker.service.d/http-proxy.conf": []byte("[Service]\nEnvironment=NO_PROXY=.mesos,.corp\n"),
	}, "*.service")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range changes {
		fmt.Printf("%s: daemon-reload %v, restart %v: %s\n", c.Unit, c.Files, c.Restart(), c.Reason())
	}
	// Output:
	// dcos-mesos-master.service: daemon-reload false, restart true: its environment changes (it reads /opt/mesosphere/etc/proxy.env with EnvironmentFile=)
	// dcos-pinned.service: daemon-reload false, restart false: /opt/mesosphere/etc/proxy.env changes but not the unit's environment or command line
	// docker.service: daemon-reload true, restart false: /etc/systemd/system/docker.service.d/http-proxy.conf changes but not the unit's environment or command line
}
