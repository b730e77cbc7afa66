package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/dcosnode"
	"github.com/proxykit/proxykit/examples/internal/dockerhost"
	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/proxyenv"
)

// testPassword holds characters each file format encodes differently.
const testPassword = `Pa55%w@rd:$HOME"q"!`

// ansibleEnv runs ansible-playbook hermetically: its temp dirs and HOME in
// dir, the module in library, no configuration file, no colour.
func ansibleEnv(dir, library string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "home"),
		"ANSIBLE_LIBRARY=" + library,
		"ANSIBLE_LOCAL_TEMP=" + filepath.Join(dir, "local-tmp"),
		"ANSIBLE_REMOTE_TEMP=" + filepath.Join(dir, "remote-tmp"),
		"ANSIBLE_CONFIG=" + filepath.Join(dir, "no-ansible.cfg"),
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_PYTHON_INTERPRETER=auto_silent",
		"ANSIBLE_LOCALHOST_WARNING=0",
		"ANSIBLE_INVENTORY_UNPARSED_WARNING=0",
		"LANG=C.UTF-8",
	}
	return env
}

// snapshotTree lists every file under dir (path, type, mode, link target,
// SHA-256) outside the engine's state directory.
func snapshotTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "var/lib/proxykit" {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v", rel, fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, " -> %s", target)
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		}
		b.WriteString("\n")
		return nil
	})
	require.NoError(t, err)
	return b.String()
}

// secretForms are the password as the files and outputs could hold it.
func secretForms() []string {
	p, _ := proxyenv.ParseProxy("http://u@h:1")
	p.Password = proxyenv.NewSecret(testPassword)
	url := p.RevealURL()
	userinfo := url[len("http://u:"):strings.LastIndex(url, "@")]
	return []string{testPassword, userinfo, strings.ReplaceAll(userinfo, "%", "%%"), "Pa55%w", "rd:$HOME"}
}

// TestPlaybook runs the real ansible-playbook against localhost with the
// module built by 'go build', on a sample DC/OS master: --check --diff
// shows each file's change and writes nothing; apply reports changed, a
// second apply does not; a bad option fails with a clear msg; state: absent
// puts every byte back; no output holds the password, even with -v.
func TestPlaybook(t *testing.T) {
	playbook := oracle.Require(t, "ansible-playbook")
	goTool := oracle.Require(t, "go")
	t.Logf("oracle: %s", oracle.Version(playbook))
	dir := t.TempDir()
	library := filepath.Join(dir, "library")
	root := filepath.Join(dir, "node")
	require.NoError(t, os.MkdirAll(root, 0o755))
	require.NoError(t, dcosnode.WriteSample(root))
	for _, d := range []string{"home", "local-tmp", "remote-tmp"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o700))
	}

	start := time.Now()
	build := exec.Command(goTool, "build", "-o", filepath.Join(library, "proxykit_node"), ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("go build: %v", time.Since(start).Round(time.Millisecond))

	host := filepath.Join(dir, "host")
	require.NoError(t, os.MkdirAll(host, 0o755))
	require.NoError(t, dockerhost.WriteSample(host, "host"))
	vars, err := json.Marshal(map[string]any{
		"proxy_password": testPassword,
		"ca_pem":         readString(t, filepath.Join(root, "root/corporate-proxy-ca.pem")),
		"root":           root,
		"host":           host,
	})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "vars.json"), vars, 0o600))
	before := snapshotTree(t, root)
	hostBefore := snapshotTree(t, host)

	playbookRun := func(name, book string, args ...string) string {
		t.Helper()
		path := filepath.Join(dir, name+".yml")
		require.NoError(t, os.WriteFile(path, []byte(book), 0o644))
		cmd := exec.Command(playbook, append([]string{"-i", "localhost,", "-c", "local", "-v", "-e", "@" + filepath.Join(dir, "vars.json"), path}, args...)...)
		cmd.Env = ansibleEnv(dir, library)
		cmd.Dir = dir
		start := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("ansible-playbook %s: %v", name, time.Since(start).Round(time.Millisecond))
		require.NoError(t, err, "%s", out)
		for _, s := range secretForms() {
			require.NotContains(t, string(out), s, "the output of %s holds the password", name)
		}
		return string(out)
	}

	// The README's sample playbook is one ansible-playbook reads.
	syntax := exec.Command(playbook, "--syntax-check", "-i", "inventory.ini", "site.yml")
	syntax.Env = ansibleEnv(dir, library)
	out, err = syntax.CombinedOutput()
	require.NoError(t, err, "%s", out)

	// --check --diff: the diff of each file, masked; nothing written.
	out1 := playbookRun("check", checkBook, "--check", "--diff")
	require.Contains(t, out1, "--- before: /etc/environment")
	require.Contains(t, out1, "+++ after: /etc/environment")
	require.Contains(t, out1, "+http_proxy=\"http://svc-dcos:"+proxyenv.Redacted+"@proxy.example.com:3128\"")
	require.Contains(t, out1, "(binary content, ")
	require.Contains(t, out1, "changed: [localhost]")
	require.Equal(t, before, snapshotTree(t, root), "--check wrote to the node")

	// apply, apply again, a bad option, undo, undo again.
	out2 := playbookRun("fleet", applyBook)
	require.Contains(t, out2, `"msg": "profile: want dcos or docker-host, not \"nope\""`)
	require.Contains(t, out2, `"msg": "unsupported parameters: passwd (supported: ca, ca_url,`)
	require.Contains(t, out2, `"msg": "dcos-node: nothing to do: all 13 files are as planned"`)
	require.Contains(t, out2, "failed=0")
	require.Equal(t, before, snapshotTree(t, root), "state: absent left the node changed")
	require.Equal(t, hostBefore, snapshotTree(t, host), "state: absent left the Docker host changed")
}

func readString(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

// checkBook plans the node, in the check mode the command line asks for.
const checkBook = `
- hosts: all
  gather_facts: false
  tasks:
    - name: plan the proxy on the DC/OS master
      proxykit_node:
        profile: dcos
        proxy: http://svc-dcos@proxy.example.com:3128
        no_proxy: [.corp.example, 10.0.0.0/8]
        password: "{{ proxy_password }}"
        ca: "{{ root }}/root/corporate-proxy-ca.pem"
        root: "{{ root }}"
      register: planned
    - assert:
        that:
          - planned is changed
          - planned.diff | length == 13
          - planned.files | selectattr('status', 'equalto', 'change') | list | length > 0
          - "'docker.service' in planned.restarts"
`

// applyBook applies, applies again, fails on bad options, and undoes.
const applyBook = `
- hosts: all
  gather_facts: false
  vars:
    node: &node
      profile: dcos
      proxy: http://svc-dcos@proxy.example.com:3128
      no_proxy: .corp.example,10.0.0.0/8
      password: "{{ proxy_password }}"
      ca: ["{{ ca_pem }}"]
      root: "{{ root }}"
      restart: false
  tasks:
    - name: apply
      proxykit_node: *node
      register: applied
      diff: true
    - name: apply again
      proxykit_node: *node
      register: again
    - name: a profile it does not know
      proxykit_node:
        profile: nope
        proxy: http://proxy:3128
      register: bad_profile
      ignore_errors: true
    - name: an option it does not know
      proxykit_node:
        profile: dcos
        proxy: http://proxy:3128
        passwd: "{{ proxy_password }}"
      register: bad_option
      ignore_errors: true
    - name: a Docker host, its CA by path
      proxykit_node:
        profile: docker-host
        proxy: http://svc@proxy.corp.example:3128
        no_proxy: [.corp.example]
        password: "{{ proxy_password }}"
        ca: "{{ host }}/root/corp-proxy-ca.pem"
        root: "{{ host }}"
      register: docker_host
    - name: the Docker host back
      proxykit_node: {profile: docker-host, root: "{{ host }}", state: absent}
      register: docker_host_undone
    - name: undo in check mode
      proxykit_node: {profile: dcos, root: "{{ root }}", state: absent}
      check_mode: true
      register: undo_check
    - name: undo
      proxykit_node: {profile: dcos, root: "{{ root }}", state: absent}
      register: undone
    - name: undo again
      proxykit_node: {profile: dcos, root: "{{ root }}", state: absent}
      register: undone_again
    - assert:
        that:
          - applied is changed
          - applied.diff | length == 13
          - applied.files | selectattr('status', 'equalto', 'written') | list | length > 0
          - "'docker.service' in applied.restarts"
          - again is not changed
          - bad_profile is failed
          - bad_option is failed
          - undo_check is changed
          - undone is changed
          - undone_again is not changed
          - undone.restarts == ['docker.service', 'dcos-mesos-master.service', 'dcos-cosmos.service', 'dcos-marathon.service', 'dcos-metronome.service']
          - docker_host is changed
          - "'docker.service' in docker_host.restarts"
          - docker_host_undone is changed
`
