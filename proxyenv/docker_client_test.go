package proxyenv_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/proxyenv"
)

func dockerNode() fstest.MapFS {
	return fstest.MapFS{
		"etc/passwd": {Data: []byte("root:x:0:0:root:/root:/bin/bash\n" +
			"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
			"nobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n" +
			"alice:x:1000:1001:Alice:/home/alice:/bin/bash\n" +
			"ci:x:1002:1002:CI:/srv/ci/:/bin/sh\n" +
			"ci2:x:1003:1003:CI again:/srv/ci:/bin/sh\n")},
		"home/alice/.docker/config.json": {Data: []byte(`{"auths": {}}`)},
		"srv/ci/.docker/config.json":     {Data: []byte(`{}`)},
	}
}

func TestDockerClientsFindsTheConfigOfEveryUserThatHasOne(t *testing.T) {
	got, err := proxyenv.DockerClients(dockerNode())
	require.NoError(t, err)
	assert.Equal(t, []proxyenv.DockerClient{
		{User: "alice", UID: 1000, GID: 1001, Path: "home/alice/.docker/config.json", Exists: true},
		{User: "ci", UID: 1002, GID: 1002, Path: "srv/ci/.docker/config.json", Exists: true}, // once, though ci2 shares the home
	}, got)
}

func TestDockerClientsOfNamedUsers(t *testing.T) {
	tests := []struct {
		name  string
		users []string
		want  []proxyenv.DockerClient
		err   error
		msg   string
	}{
		{"an existing config and a new one", []string{"alice", "root"}, []proxyenv.DockerClient{
			{User: "alice", UID: 1000, GID: 1001, Path: "home/alice/.docker/config.json", Exists: true},
			{User: "root", Path: "root/.docker/config.json"},
		}, nil, ""},
		{"unknown user", []string{"alice", "mallory"}, nil, proxyenv.ErrUnknownUser, `no such user "mallory" in /etc/passwd`},
		{"home is the root", []string{"nobody"}, nil, nil, "user nobody: home directory is /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := proxyenv.DockerClients(dockerNode(), tt.users...)
			if tt.msg != "" {
				require.ErrorContains(t, err, tt.msg)
				if tt.err != nil {
					require.ErrorIs(t, err, tt.err)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDockerClientsNeedsPasswd(t *testing.T) {
	_, err := proxyenv.DockerClients(fstest.MapFS{}, "root")
	require.ErrorContains(t, err, "read /etc/passwd")
}
