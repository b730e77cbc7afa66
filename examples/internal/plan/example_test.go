package plan_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// appendOnce is an idempotent edit: it adds line unless the file has it.
func appendOnce(line string) plan.Edit {
	return func(old []byte) ([]byte, error) {
		if strings.Contains("\n"+string(old), "\n"+line+"\n") {
			return old, nil
		}
		return append(old, line+"\n"...), nil
	}
}

// exampleRoot makes a small node under a temporary directory.
func exampleRoot() string {
	dir, err := os.MkdirTemp("", "plan-example")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc/environment"), []byte("LANG=C.UTF-8\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	return dir
}

// The whole cycle: compute, review the diff, apply, undo.
func Example() {
	dir := exampleRoot()
	defer os.RemoveAll(dir)
	ctx := context.Background()

	t, err := plan.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()

	var p plan.Plan
	p.AddSecret("s3cret")
	p.AddAction(plan.Action{Name: "daemon-reload", Argv: []string{"systemctl", "daemon-reload"}})
	p.Add(
		plan.Step{Path: "etc/environment", Edit: appendOnce("no_proxy=localhost"), Why: "hosts reached directly"},
		plan.Step{
			Path:    "etc/systemd/system/docker.service.d/http-proxy.conf",
			Edit:    appendOnce("[Service]\nEnvironment=HTTPS_PROXY=http://bob:s3cret@proxy:3128"),
			Secret:  true,
			Why:     "proxy for the Docker daemon",
			Actions: []string{"daemon-reload"},
		},
	)
	ch, err := t.Compute(&p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(ch.Diff())

	rec := &plan.Recorder{} // plan.Exec{} runs the commands for real
	rep, err := t.Apply(ctx, ch, rec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print("\napply:\n", rep)

	rep, err = t.Undo(ctx, plan.NoActions)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print("\nundo:\n", rep)
	// Output:
	// # etc/environment: hosts reached directly
	// --- a/etc/environment
	// +++ b/etc/environment
	// @@ -1 +1,2 @@
	//  LANG=C.UTF-8
	// +no_proxy=localhost
	// # etc/systemd/system/docker.service.d/http-proxy.conf: proxy for the Docker daemon
	// # new file, mode 0600
	// --- /dev/null
	// +++ b/etc/systemd/system/docker.service.d/http-proxy.conf
	// @@ -0,0 +1,2 @@
	// +[Service]
	// +Environment=HTTPS_PROXY=http://bob:xxxxx@proxy:3128
	//
	// apply:
	// created directory etc/systemd
	// created directory etc/systemd/system
	// created directory etc/systemd/system/docker.service.d
	// created etc/systemd/system/docker.service.d/http-proxy.conf
	// wrote etc/environment
	// ran daemon-reload
	//
	// undo:
	// wrote etc/environment
	// removed etc/systemd/system/docker.service.d/http-proxy.conf
	// removed etc/systemd/system/docker.service.d
	// removed etc/systemd/system
	// removed etc/systemd
	// skipped daemon-reload
}

// A second apply of the same plan changes nothing and runs nothing.
func ExampleTarget_Apply() {
	dir := exampleRoot()
	defer os.RemoveAll(dir)
	t, err := plan.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	var p plan.Plan
	p.AddAction(plan.Action{Name: "reload", Argv: []string{"reload"}})
	p.Add(plan.Step{Path: "etc/environment", Edit: appendOnce("http_proxy=http://proxy:3128"), Actions: []string{"reload"}})

	for run := 1; run <= 2; run++ {
		ch, err := t.Compute(&p)
		if err != nil {
			log.Fatal(err)
		}
		rep, err := t.Apply(context.Background(), ch, &plan.Recorder{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("run %d:\n%s", run, rep)
	}
	// Output:
	// run 1:
	// wrote etc/environment
	// ran reload
	// run 2:
	// unchanged etc/environment
}

// A diff never shows a registered secret, in whatever encoding the edit
// wrote it, nor the password of any URL.
func ExampleChanges_Diff() {
	dir := exampleRoot()
	defer os.RemoveAll(dir)
	t, err := plan.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	var p plan.Plan
	p.AddSecret("p@ss%word")
	p.Add(plan.Step{Path: "etc/proxy.conf", Secret: true, Edit: appendOnce(strings.Join([]string{
		`raw=p@ss%word`,
		`url=http://bob:p%40ss%25word@proxy:3128`,
		`systemd="HTTP_PROXY=http://bob:p%%40ss%%25word@proxy:3128"`,
		`json={"password":"p@ss%word"}`,
		`query=?password=p%40ss%25word`,
		`other=http://eve:unregistered@proxy:3128`,
	}, "\n"))})
	ch, err := t.Compute(&p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(ch.Diff())
	// Output:
	// # new file, mode 0600
	// --- /dev/null
	// +++ b/etc/proxy.conf
	// @@ -0,0 +1,6 @@
	// +raw=xxxxx
	// +url=http://bob:xxxxx@proxy:3128
	// +systemd="HTTP_PROXY=http://bob:xxxxx@proxy:3128"
	// +json={"password":"xxxxx"}
	// +query=?password=xxxxx
	// +other=http://eve:xxxxx@proxy:3128
}

// Undo can be reviewed before it is run.
func ExampleTarget_ComputeUndo() {
	dir := exampleRoot()
	defer os.RemoveAll(dir)
	ctx := context.Background()
	t, err := plan.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	var p plan.Plan
	p.Add(
		plan.Step{Path: "etc/environment", Edit: appendOnce("http_proxy=http://bob:s3cret@proxy:3128")},
		plan.Step{Path: "etc/profile.d/proxy.sh", Edit: appendOnce("export http_proxy=http://proxy:3128")},
	)
	ch, err := t.Compute(&p)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := t.Apply(ctx, ch, nil); err != nil {
		log.Fatal(err)
	}

	undo, err := t.ComputeUndo("s3cret")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(undo.Diff())
	// Output:
	// --- a/etc/environment
	// +++ b/etc/environment
	// @@ -1,2 +1 @@
	//  LANG=C.UTF-8
	// -http_proxy=http://bob:xxxxx@proxy:3128
	// # removed
	// --- a/etc/profile.d/proxy.sh
	// +++ /dev/null
	// @@ -1 +0,0 @@
	// -export http_proxy=http://proxy:3128
}

// Verify needs no plan and no secret: the manifest holds a hash of what the
// last apply wrote.
func ExampleTarget_Verify() {
	dir := exampleRoot()
	defer os.RemoveAll(dir)
	ctx := context.Background()
	t, err := plan.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	var p plan.Plan
	p.Add(plan.Step{Path: "etc/environment", Edit: appendOnce("http_proxy=http://bob:s3cret@proxy:3128")})
	ch, err := t.Compute(&p)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := t.Apply(ctx, ch, nil); err != nil {
		log.Fatal(err)
	}

	v, err := t.Verify(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(v)
	// Someone edits the file.
	if err := os.WriteFile(filepath.Join(dir, "etc/environment"), []byte("LANG=C\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if v, err = t.Verify(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Print(v)
	// Output:
	// no drift: all 1 files are as the last apply left them
	// drift: etc/environment: changed
}

// Undo restores every file it can; one changed since apply is left unless
// forced, and then kept beside it.
func ExampleTarget_Undo() {
	dir := exampleRoot()
	defer os.RemoveAll(dir)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
	t, err := plan.Open(dir, plan.WithClock(now))
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	var p plan.Plan
	p.Add(
		plan.Step{Path: "etc/environment", Edit: appendOnce("http_proxy=http://proxy:3128")},
		plan.Step{Path: "etc/profile.d/proxy.sh", Edit: appendOnce("export http_proxy=http://proxy:3128")},
	)
	ch, err := t.Compute(&p)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := t.Apply(ctx, ch, nil); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc/environment"), []byte("edited by hand\n"), 0o644); err != nil {
		log.Fatal(err)
	}

	rep, err := t.Undo(ctx, nil)
	fmt.Print(rep)
	fmt.Println(errors.Is(err, plan.ErrModified))
	rep, err = t.Undo(ctx, nil, "etc/environment")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(rep)
	// Output:
	// removed etc/profile.d/proxy.sh
	// removed etc/profile.d
	// left etc/environment
	// true
	// wrote etc/environment
	// kept etc/environment.proxykit-20261201T120000Z
}
