package dockerhost

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/proxykit/proxykit/examples/internal/node"
)

// BenchmarkPlanHost plans the Debian host fixture: read the root, compute
// every edit, diff with secrets masked. Nothing is written.
func BenchmarkPlanHost(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "root")
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := writeSample(dir, "host"); err != nil {
		b.Fatal(err)
	}
	env := node.Env{Getenv: func(k string) string {
		if k == node.EnvProxyPassword {
			return testPassword
		}
		return ""
	}}
	args := []string{"-root", dir, "-proxy", "http://svc@proxy.corp.example:3128", "-no-proxy", ".corp.example",
		"-ca", filepath.Join(dir, "root/corp-proxy-ca.pem"), "-user", "alice", "-user", "root", "-registry", "registry.corp.example", "plan"}
	b.ReportAllocs()
	for b.Loop() {
		if code := runEnv(env, args, io.Discard, io.Discard); code != node.ExitPending {
			b.Fatalf("exit %d", code)
		}
	}
}
