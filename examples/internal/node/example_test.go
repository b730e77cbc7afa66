package node_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
)

// A program on the shared command line: its Build function plans the node
// it is given; Run provides the flags, the subcommands, the diff with the
// password masked and the exit codes.
func ExampleProgram() {
	dir, _ := os.MkdirTemp("", "node-example-")
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "environment"), []byte("LANG=C.UTF-8\n"), 0o644)

	p := &node.Program{
		Name: "envproxy",
		Build: func(n *node.Node) error {
			edit, _, err := n.Config.Settings.EtcEnvironment()
			if err != nil {
				return err
			}
			n.Edit(plan.Step{Path: "etc/environment", Edit: edit, Why: "proxy for login sessions"})
			return nil
		},
		Env: node.Env{Getenv: func(k string) string {
			if k == node.EnvProxyPassword {
				return "hunter2"
			}
			return ""
		}},
	}
	code := p.Run([]string{"-root", dir, "-proxy", "http://svc@proxy.corp:3128", "-no-proxy", ".corp", "plan"}, rootAsDIR{os.Stdout, dir}, os.Stderr)
	fmt.Println("exit status", code)
	// Output:
	// envproxy plan: root DIR
	//   proxy: http://svc:xxxxx@proxy.corp:3128 (http and https)
	//   no proxy: .corp
	//
	// # etc/environment: proxy for login sessions
	// --- a/etc/environment
	// +++ b/etc/environment
	// @@ -1 +1,7 @@
	//  LANG=C.UTF-8
	// +http_proxy="http://svc:xxxxx@proxy.corp:3128"
	// +HTTP_PROXY="http://svc:xxxxx@proxy.corp:3128"
	// +https_proxy="http://svc:xxxxx@proxy.corp:3128"
	// +HTTPS_PROXY="http://svc:xxxxx@proxy.corp:3128"
	// +no_proxy=".corp"
	// +NO_PROXY=".corp"
	//
	// 1 of 1 files to change (0 new); run 'envproxy apply' to apply
	// exit status 2
}

// rootAsDIR writes to w with the temporary root's path replaced by DIR.
type rootAsDIR struct {
	w   *os.File
	dir string
}

func (d rootAsDIR) Write(b []byte) (int, error) {
	s := []byte(strings.ReplaceAll(string(b), d.dir, "DIR"))
	if _, err := d.w.Write(s); err != nil {
		return 0, err
	}
	return len(b), nil
}
