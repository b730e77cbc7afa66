package proxyenv_test

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkFormatEdit measures each format's edit on its largest golden
// sample, the constructor outside the loop.
func BenchmarkFormatEdit(b *testing.B) {
	s := settingsCases(b)["credentials"]
	for _, f := range fileFormats {
		files, _ := filepath.Glob(filepath.Join("testdata", "formats", f.name, "*.in"))
		var in []byte
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil && len(data) > len(in) {
				in = data
			}
		}
		edit, _, err := f.make(s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := edit(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFormatConstructors measures building every format's edit.
func BenchmarkFormatConstructors(b *testing.B) {
	s := settingsCases(b)["credentials"]
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range fileFormats {
			if _, _, err := f.make(s); err != nil {
				b.Fatal(err)
			}
		}
		_, _ = s.DockerDaemonEnv()
		_, _ = s.DockerBuildArgs()
	}
}
