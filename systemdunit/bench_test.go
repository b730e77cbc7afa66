package systemdunit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/proxykit/proxykit/systemdunit"
)

func readCosmos(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", "edit", "dcos-cosmos.service"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkParse(b *testing.B) {
	data := readCosmos(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := systemdunit.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnvironmentAndCommands(b *testing.B) {
	f, err := systemdunit.Parse(readCosmos(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Environment(); err != nil {
			b.Fatal(err)
		}
		if _, err := f.Commands("ExecStart"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDropInEdit(b *testing.B) {
	old := []byte("[Service]\nEnvironment=\"HTTP_PROXY=http://old:3128\"\nEnvironment=\"NO_PROXY=localhost\"\n")
	d := systemdunit.DropIn{Environment: []string{"HTTP_PROXY=http://proxy:3128", "NO_PROXY=localhost,127.0.0.1"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Edit(old); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEditJavaCommand(b *testing.B) {
	data := readCosmos(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := editCases[8].edit(data); err != nil {
			b.Fatal(err)
		}
	}
}
