package plan_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/examples/internal/plan"
)

// benchPlan is 20 edits to 20 existing files, setting value.
func benchPlan(value string) *plan.Plan {
	var p plan.Plan
	p.AddSecret("s3cret")
	p.AddAction(plan.Action{Name: "reload", Argv: []string{"reload"}})
	for i := range 20 {
		p.Add(plan.Step{
			Path:    fmt.Sprintf("etc/conf%02d.d/file.conf", i),
			Edit:    setLine("http_proxy", "http://u:s3cret@"+value+":3128"),
			Actions: []string{"reload"},
		})
	}
	return &p
}

func benchRoot(b *testing.B) *plan.Target {
	dir := b.TempDir()
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("etc/conf%02d.d/file.conf", i)] = "# a config file\nLANG=C\nPATH=/usr/bin:/bin\n"
	}
	writeTree(b, dir, files)
	return open(b, dir)
}

// BenchmarkCompute20 reads 20 files and runs their edits (twice each, for
// the idempotence check).
func BenchmarkCompute20(b *testing.B) {
	tg := benchRoot(b)
	p := benchPlan("proxy")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tg.Compute(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiff20 renders the masked diff of 20 changed files.
func BenchmarkDiff20(b *testing.B) {
	tg := benchRoot(b)
	ch, err := tg.Compute(benchPlan("proxy"))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		_ = ch.Diff()
	}
}

// BenchmarkApply20 computes and applies 20 edits that change every file
// (alternating between two proxies): 20 atomic writes with fsync, the
// manifest twice, one action.
func BenchmarkApply20(b *testing.B) {
	tg := benchRoot(b)
	plans := []*plan.Plan{benchPlan("a"), benchPlan("b")}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ch, err := tg.Compute(plans[i%2])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tg.Apply(ctx, ch, &plan.Recorder{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkApplyUnchanged20 is the second run: compute, lock, check, write
// nothing.
func BenchmarkApplyUnchanged20(b *testing.B) {
	tg := benchRoot(b)
	p := benchPlan("a")
	ctx := context.Background()
	ch, err := tg.Compute(p)
	require.NoError(b, err)
	_, err = tg.Apply(ctx, ch, nil)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		ch, err := tg.Compute(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tg.Apply(ctx, ch, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMasker builds the masker of one secret: every encoding under two
// layers of quoting (done once per Changes, on the first Diff).
func BenchmarkMasker(b *testing.B) {
	p := benchPlan("proxy")
	p.AddSecret(`p@ss:w%rd/'"$x`)
	tg := benchRoot(b)
	b.ReportAllocs()
	for b.Loop() {
		ch, err := tg.Compute(&plan.Plan{Secrets: p.Secrets})
		if err != nil {
			b.Fatal(err)
		}
		_ = ch.Mask("") // builds the masker: every form of the secret, and of what the files hold
	}
}
