package dcosnode

import (
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/proxykit/proxykit/internal/oracle"
	"github.com/proxykit/proxykit/internal/scripttest"
	"github.com/proxykit/proxykit/internal/wiretest"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

// testPassword is the proxy password of every script: it holds characters
// each file format encodes differently.
const testPassword = `Pa55%w@rd:$HOME"q"!`

func TestMain(m *testing.M) {
	wiretest.GoClientMain()
	testscript.Main(m, map[string]func(){
		"dcos-node": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// real program, on sample nodes written by the mksample command.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PROXYKIT_PROXY_PASSWORD", testPassword)
			if v := os.Getenv(oracle.EnvRequire); v != "" {
				env.Setenv(oracle.EnvRequire, v)
			}
			return nil
		},
		Condition: scripttest.Condition,
		Cmds: scripttest.With(testPassword, map[string]scripttest.Cmd{
			"mksample": cmdMksample,
			"mkdcos":   cmdMkdcos,
		}),
	})
}

// mksample DIR writes the sample DC/OS node into DIR.
func cmdMksample(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mksample DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(writeSample(dir))
}
