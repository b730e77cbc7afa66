package systemdunit_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/proxykit/proxykit/systemdunit"
	"github.com/stretchr/testify/require"
)

// fileEdit turns a change of a parsed File into an edit of bytes.
func fileEdit(change func(f *systemdunit.File) error) func([]byte) ([]byte, error) {
	return func(old []byte) ([]byte, error) {
		f, err := systemdunit.Parse(old)
		if err != nil {
			return nil, err
		}
		if err := change(f); err != nil {
			return nil, err
		}
		return f.Bytes(), nil
	}
}

// proxyFlags are the -D flags the cosmos edits insert.
var proxyFlags = []string{
	"-Dhttp.proxyHost=proxy.corp.example",
	"-Dhttp.proxyPort=3128",
	"-Dhttps.proxyHost=proxy.corp.example",
	"-Dhttps.proxyPort=3128",
	"-Dhttp.nonProxyHosts=localhost|127.0.0.1|*.mesos|*.corp.example",
	"-Dhttp.proxyUser=svc-cosmos",
	"-Dhttp.proxyPassword=50% of $ecret",
}

// withProxyFlags inserts proxyFlags before the main class of the first
// ExecStart command.
func withProxyFlags(f *systemdunit.File) (systemdunit.Command, error) {
	cmds, err := f.Commands("ExecStart")
	if err != nil {
		return systemdunit.Command{}, err
	}
	c := cmds[0]
	var add []string
	for _, p := range proxyFlags {
		if !slices.Contains(c.Argv, p) {
			add = append(add, p)
		}
	}
	i := slices.Index(c.Argv, "com.simple.server.Main")
	c.Argv = slices.Concat(c.Argv[:i], add, c.Argv[i:])
	return c, nil
}

var editCases = []struct {
	input, name string
	transform   func([]byte) []byte // applied to the input first, may be nil
	edit        func([]byte) ([]byte, error)
}{
	{"docker.service", "env", nil, fileEdit(func(f *systemdunit.File) error {
		for _, kv := range [][2]string{
			{"HTTP_PROXY", "http://proxy.corp.example:3128"},
			{"HTTPS_PROXY", "http://svc:p%40ss@proxy.corp.example:3128"},
			{"NO_PROXY", "localhost,127.0.0.1,.corp.example"},
		} {
			if err := f.SetEnv(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	})},
	{"docker.service", "execstart", nil, fileEdit(func(f *systemdunit.File) error {
		v, err := systemdunit.FormatExec(systemdunit.Command{Argv: []string{
			"/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock",
			"--registry-mirror=https://mirror.corp.example",
		}})
		if err != nil {
			return err
		}
		return f.Set("Service", "ExecStart", v)
	})},
	{"docker.service", "remove-reload", nil, fileEdit(func(f *systemdunit.File) error {
		f.Remove("Service", "ExecReload")
		return nil
	})},
	{"docker.service", "crlf-env", func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) },
		systemdunit.DropIn{Environment: []string{"HTTP_PROXY=http://proxy.corp.example:3128"}}.Edit},
	{"docker.service", "no-final-newline", func(b []byte) []byte { return bytes.TrimSuffix(b, []byte("\n")) },
		fileEdit(func(f *systemdunit.File) error { return f.Set("X-Proxykit", "Managed", "yes") })},
	{"docker.service", "dropin", func([]byte) []byte { return nil }, systemdunit.DropIn{
		Environment: []string{"HTTP_PROXY=http://proxy.corp.example:3128", "NO_PROXY=localhost,127.0.0.1,.corp.example"},
		ExecStart:   []systemdunit.Command{{Argv: []string{"/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"}}},
	}.Edit},
	{"http-proxy.conf", "update", nil, systemdunit.DropIn{
		Environment: []string{"HTTP_PROXY=http://proxy.corp.example:3128", "HTTPS_PROXY=http://proxy.corp.example:3128"},
	}.Edit},
	{"http-proxy.conf", "unset", nil, systemdunit.DropIn{Unset: []string{"NO_PROXY", "HTTPS_PROXY"}}.Edit},
	{"dcos-cosmos.service", "java-proxy", nil, fileEdit(func(f *systemdunit.File) error {
		c, err := withProxyFlags(f)
		if err != nil {
			return err
		}
		v, err := systemdunit.FormatExec(c)
		if err != nil {
			return err
		}
		return f.Set("Service", "ExecStart", v)
	})},
	{"dcos-cosmos.service", "java-proxy-dropin", func([]byte) []byte { return nil }, func(old []byte) ([]byte, error) {
		unit, err := os.ReadFile(filepath.Join("testdata", "edit", "dcos-cosmos.service"))
		if err != nil {
			return nil, err
		}
		f, err := systemdunit.Parse(unit)
		if err != nil {
			return nil, err
		}
		c, err := withProxyFlags(f)
		if err != nil {
			return nil, err
		}
		return systemdunit.DropIn{ExecStart: []systemdunit.Command{c}}.Edit(old)
	}},
	{"dcos-cosmos.service", "unset-java-home", nil, fileEdit(func(f *systemdunit.File) error { return f.UnsetEnv("JAVA_HOME") })},
}

// TestEditGolden applies edits to realistic units and compares with golden
// files; every edit applied twice equals applied once.
func TestEditGolden(t *testing.T) {
	for _, tc := range editCases {
		t.Run(tc.input+"/"+tc.name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", "edit", tc.input))
			require.NoError(t, err)
			if tc.transform != nil {
				in = tc.transform(in)
			}
			out, err := tc.edit(in)
			require.NoError(t, err)
			again, err := tc.edit(out)
			require.NoError(t, err)
			require.Equal(t, string(out), string(again), "edit is not idempotent")
			f, err := systemdunit.Parse(out)
			require.NoError(t, err)
			require.Equal(t, out, f.Bytes())
			for _, line := range strings.SplitAfter(string(out), "\n") {
				require.Less(t, len(line), 2048)
			}
			path := filepath.Join("testdata", "edit", tc.input+"."+tc.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, out, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(want), string(out))
		})
	}
}

// TestEditJavaKeepsMeaning checks that the cosmos edit changes the
// command exactly by the inserted flags, references to variables kept.
func TestEditJavaKeepsMeaning(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "edit", "dcos-cosmos.service"))
	require.NoError(t, err)
	f, err := systemdunit.Parse(in)
	require.NoError(t, err)
	want, err := withProxyFlags(f)
	require.NoError(t, err)
	out, err := editCases[8].edit(in)
	require.NoError(t, err)
	g, err := systemdunit.Parse(out)
	require.NoError(t, err)
	got, err := g.Commands("ExecStart")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, want.Argv, got[0].Argv)
	require.Equal(t, []string{"PKG_PATH"}, got[0].Vars)
	require.Contains(t, string(out), "${PKG_PATH}/usr/cosmos.jar")
	require.Contains(t, string(out), `"-Dhttp.proxyPassword=50%% of $$ecret"`)
}

// TestEditedUnitsMatchSystemd reads the edited units (the golden files that
// are whole units) with systemd and with the package: same environment,
// same commands.
func TestEditedUnitsMatchSystemd(t *testing.T) {
	var cases []oracleCase
	for _, tc := range editCases {
		if !strings.HasSuffix(tc.input, ".service") || strings.Contains(tc.name, "dropin") {
			continue
		}
		data, err := os.ReadFile(filepath.Join("testdata", "edit", tc.input+"."+tc.name+".golden"))
		require.NoError(t, err)
		name := strings.TrimSuffix(tc.input, ".service") + "-" + tc.name
		cases = append(cases, oracleCase{name, string(data)})
	}
	stubs := []string{"usr/bin/dockerd", "bin/kill", "bin/ping", "opt/mesosphere/bin/java", "opt/mesosphere/bin/bootstrap"}
	var live map[string]answer
	if analyze, ok := findAnalyze(t); ok {
		live, _, _ = runSystemd(t, analyze, cases, stubs)
	}
	recorded := golden(t, filepath.Join("testdata", "oracle", "edits.golden"), caseNames(cases), live)
	want := recorded
	if live != nil {
		want = live
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ours(c.unit(), []byte(c.data))
			require.True(t, got.Loaded)
			require.Equal(t, want[c.name].literal(got.prefixes).String(), got.String())
			require.Equal(t, recorded[c.name].String(), want[c.name].String(), "recorded answer is stale; run go test -update")
		})
	}
}
