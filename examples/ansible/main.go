// Command proxykit_node is an Ansible module: the plan of dcos-node or
// docker-host on every node of a fleet, with Ansible's contract — --check
// changes nothing, --diff shows each file's change with secrets masked, a
// second run reports changed: false.
//
//	go build -o library/proxykit_node ./examples/ansible
//
// It is a binary module: Ansible copies it to the node, runs it with the
// path of a JSON file of arguments, and reads one JSON object from its
// stdout. The arguments mirror the programs' flags:
//
//	profile      dcos or docker-host (required)
//	proxy        proxy URL for http and https, with a user and no password
//	https_proxy  proxy URL for https when it differs
//	no_proxy     hosts reached directly: a list, or one comma-separated string
//	password     the proxy password (no_log)
//	ca           the proxy's CA: paths on the node, or PEM content; a list or one
//	ca_url       fetch the CA from a cluster (DC/OS serves /ca/dcos-ca.crt) ...
//	fingerprint  ... accepted only with this SHA-256 fingerprint
//	root         the node's root, / by default (a fixture tree in tests)
//	storepass    Java keystore password (no_log)
//	state        present (the default) or absent: undo what present did
//	restart      true (the default) restarts the units that need it; false
//	             only lists them in restarts, for a handler or a serial batch
//	users        docker-host: users whose ~/.docker/config.json gets the proxy
//	registries   docker-host: registries whose certs.d/REGISTRY/ca.crt gets the CA
//
// ca_url is fetched by the program (-ca-url), through the proxy unless
// no_proxy names the cluster; the cluster's CA is named by its subject in the
// stores, apart from the proxy's.
//
// It returns changed, msg, files (each managed file and its status),
// restarts (the units the change needs restarted), warnings, diff (with
// --diff: before and after of each file, secrets masked, keystores
// summarised), and failed with msg on error. The work is done by the same
// programs: examples/internal/dcosnode and examples/internal/dockerhost.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/proxykit/proxykit/examples/internal/dcosnode"
	"github.com/proxykit/proxykit/examples/internal/dockerhost"
	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/truststore"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout))
}

// result is what the module returns to Ansible.
type result struct {
	Changed  bool                `json:"changed"`
	Failed   bool                `json:"failed,omitempty"`
	Msg      string              `json:"msg"`
	Files    []node.FileReport   `json:"files"`
	Restarts []string            `json:"restarts"`
	Actions  []node.ActionReport `json:"actions,omitempty"`
	Warnings []string            `json:"warnings,omitempty"`
	Diff     []fileDiff          `json:"diff,omitempty"`
}

// fileDiff is one entry of Ansible's diff list.
type fileDiff struct {
	Before       string `json:"before"`
	After        string `json:"after"`
	BeforeHeader string `json:"before_header"`
	AfterHeader  string `json:"after_header"`
}

// run runs the module with its command-line arguments and prints the
// result. It exits 1 when the module failed.
func run(args []string, stdout io.Writer) int {
	res := module(args)
	if res.Files == nil {
		res.Files = []node.FileReport{}
	}
	if res.Restarts == nil {
		res.Restarts = []string{}
	}
	if err := json.NewEncoder(stdout).Encode(res); err != nil || res.Failed {
		return 1
	}
	return 0
}

func failed(format string, args ...any) *result {
	return &result{Failed: true, Msg: fmt.Sprintf(format, args...)}
}

// module reads the arguments and runs the program they name.
func module(args []string) *result {
	if len(args) != 1 {
		return failed("usage: proxykit_node ARGS.json (an Ansible binary module: Ansible runs it with the path of its arguments)")
	}
	data, err := readBounded(args[0], 1<<20)
	if err != nil {
		return failed("read the module's arguments: %v", err)
	}
	p, err := parseParams(data)
	if err != nil {
		return failed("%v", err)
	}
	return p.run()
}

// run runs the program for p: plan in check mode, apply, or undo.
func (p *params) run() *result {
	root, err := filepath.Abs(p.Root)
	if err != nil {
		return failed("root: %v", err)
	}
	var diffs []plan.FileDiff
	cas := map[string][]byte{}
	env := node.Env{
		Getenv: func(k string) string {
			switch k {
			case node.EnvProxyPassword:
				return p.Password
			case node.EnvStorePass:
				return p.StorePass
			}
			return ""
		},
		ReadFile: func(name string) ([]byte, error) {
			if b, ok := cas[name]; ok {
				return b, nil
			}
			return readBounded(name, truststore.MaxInput)
		},
	}
	prog := dcosnode.Program(env)
	if p.Profile == "docker-host" {
		prog = dockerhost.Program(env)
	}
	prog.Inspect = func(ch *plan.Changes) {
		if p.diff {
			diffs = ch.FileDiffs()
		}
	}
	if root == "/" {
		prog.Runner = runner{restart: p.Restart}
	}
	argv := []string{"-root", root}
	if p.State == "absent" {
		return p.absent(prog, argv, root)
	}
	for _, f := range []struct{ flag, value string }{{"-proxy", p.Proxy}, {"-https-proxy", p.HTTPSProxy}, {"-no-proxy", strings.Join(p.NoProxy, ",")}} {
		if f.value != "" {
			argv = append(argv, f.flag, f.value)
		}
	}
	for _, u := range p.Users {
		argv = append(argv, "-user", u)
	}
	for _, r := range p.Registries {
		argv = append(argv, "-registry", r)
	}
	for i, ca := range p.CA {
		name := ca
		if strings.Contains(ca, "-----BEGIN") {
			name = fmt.Sprintf("ca[%d] (PEM content)", i)
			cas[name] = []byte(ca)
		}
		argv = append(argv, "-ca", name)
	}
	if p.CAURL != "" {
		// Fetched by the program, through the proxy unless no_proxy names
		// the cluster (dcos-node adds DC/OS's own bypass entries).
		argv = append(argv, "-ca-url", p.CAURL, "-fingerprint", p.Fingerprint)
	}
	cmd := node.CmdApply
	if p.check {
		cmd = node.CmdPlan
	}
	res, r := runProgram(prog, append(argv, cmd))
	if r != nil {
		res.Changed = countFiles(r, "create", "change", "created", "written") > 0
		res.Msg = summary(p, r, res.Changed)
	}
	res.Diff = ansibleDiffs(diffs)
	return res
}

// absent undoes what present did; in check mode it only computes the undo.
func (p *params) absent(prog *node.Program, argv []string, root string) *result {
	var diffs []plan.FileDiff
	if p.check || p.diff {
		t, err := plan.Open(root)
		if err != nil {
			return failed("%v", err)
		}
		ch, err := t.ComputeUndo(p.Password, p.StorePass)
		t.Close()
		switch {
		case errors.Is(err, plan.ErrNoManifest):
			if p.check {
				return &result{Msg: "nothing to undo: no apply has changed this root"}
			}
		case err != nil:
			return failed("%v", err)
		default:
			diffs = ch.FileDiffs()
			if p.check {
				res := &result{Changed: len(diffs) > 0, Diff: ansibleDiffs(diffs)}
				for _, d := range diffs {
					res.Files = append(res.Files, node.FileReport{Path: d.Path, Why: []string{"undo what apply changed"}, Status: "restore"})
				}
				res.Msg = fmt.Sprintf("%s: %d files to restore (check mode)", prog.Name, len(diffs))
				if !p.diff {
					res.Diff = nil
				}
				return res
			}
		}
	}
	res, r := runProgram(prog, append(argv, node.CmdUndo))
	if r != nil {
		res.Changed = countFiles(r, "restored", "removed") > 0
		res.Msg = fmt.Sprintf("%s undo: %d files restored, %d removed", prog.Name, countFiles(r, "restored"), countFiles(r, "removed"))
		if n := countFiles(r, "left"); n > 0 {
			// Files changed since apply are left; the warnings say how to go on.
			res.Msg += fmt.Sprintf(", %d left because they changed since apply (see the warnings)", n)
		} else if len(r.Notes) > 0 && !res.Changed {
			res.Msg = r.Notes[len(r.Notes)-1]
		}
	}
	res.Diff = ansibleDiffs(diffs)
	return res
}

// runProgram runs prog with argv and turns its report into a result.
func runProgram(prog *node.Program, argv []string) (*result, *node.Report) {
	var stderr bytes.Buffer
	code, r := prog.RunReport(argv, io.Discard, &stderr)
	res := &result{}
	if code == node.ExitError || r == nil {
		res.Failed = true
		res.Msg = programError(stderr.String())
	}
	if r == nil {
		return res, nil
	}
	res.Files = r.Files
	res.Actions = r.Actions
	for _, w := range r.Warnings {
		res.Warnings = append(res.Warnings, w.String())
	}
	for _, a := range r.Actions {
		if unit, ok := strings.CutPrefix(a.Name, "restart "); ok {
			if len(a.Argv) == 3 && a.Argv[0] == "systemctl" {
				unit = a.Argv[2]
			} else if !strings.Contains(unit, ".") {
				unit += ".service"
			}
			res.Restarts = append(res.Restarts, unit)
		}
	}
	if res.Failed && r.Error != "" && res.Msg == "" {
		res.Msg = r.Error
	}
	return res, r
}

// programError keeps the program's error lines, without the pointer to -h.
func programError(stderr string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if l != "" && !strings.HasPrefix(l, "run '") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "failed"
	}
	return strings.Join(lines, "; ")
}

func countFiles(r *node.Report, statuses ...string) int {
	n := 0
	for _, f := range r.Files {
		if slices.Contains(statuses, f.Status) {
			n++
		}
	}
	return n
}

func summary(p *params, r *node.Report, changed bool) string {
	switch {
	case p.check && changed:
		return fmt.Sprintf("%s: %d of %d files to change (check mode)", r.Program, countFiles(r, "create", "change"), len(r.Files))
	case !changed:
		return fmt.Sprintf("%s: nothing to do: all %d files are as planned", r.Program, len(r.Files))
	}
	msg := fmt.Sprintf("%s: %d files written", r.Program, countFiles(r, "created", "written"))
	var left []string
	for _, a := range r.Actions {
		if a.Status == "skipped" {
			left = append(left, strings.Join(a.Argv, " "))
		}
	}
	if len(left) > 0 {
		msg += "; left to you: " + strings.Join(left, "; ")
	}
	return msg
}

// ansibleDiffs turns the engine's file diffs into Ansible's diff list.
func ansibleDiffs(diffs []plan.FileDiff) []fileDiff {
	var out []fileDiff
	for _, d := range diffs {
		out = append(out, fileDiff{Before: d.Before, After: d.After, BeforeHeader: "/" + d.Path, AfterHeader: "/" + d.Path})
	}
	return out
}

// runner runs the follow-up actions on the node itself (root "/"); with
// restart: false it leaves the restarts to the playbook.
type runner struct{ restart bool }

func (r runner) Run(ctx context.Context, a plan.Action) error {
	if !r.restart && strings.HasPrefix(a.Name, "restart ") {
		return plan.ErrSkipped
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, node.EnvProxyPassword+"=") && !strings.HasPrefix(kv, node.EnvStorePass+"=") {
			env = append(env, kv)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return plan.Exec{Env: env}.Run(ctx, a)
}

func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, limit)
	}
	return b, nil
}
