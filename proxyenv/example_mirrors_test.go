package proxyenv_test

import (
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/proxyenv"
)

// The files that create an Anaconda Server mirror with a proxy of its own,
// in the server's docker-compose project: a script for the server's CLI and
// the body of the REST request. Both hold the mirror's proxy password, so
// both are root-only.
func ExampleServerMirrorFiles() {
	m, err := proxyenv.ParseServerMirror("conda-forge/cf https://conda.anaconda.org/conda-forge http://mirror@proxy.corp.example:8899")
	if err != nil {
		fmt.Println(err)
		return
	}
	m.Proxy.Password = proxyenv.NewSecret("s3cret")
	files, err := proxyenv.ServerMirrorFiles("opt/anaconda", []proxyenv.ServerMirror{m})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		b, _ := f.Edit(nil)
		fmt.Printf("%s %v secret=%v holds the password: %v\n", f.Path, f.Mode, f.Secret, strings.Contains(string(b), "s3cret"))
	}
	// Output:
	// opt/anaconda/proxykit/mirrors.sh -rwx------ secret=true holds the password: true
	// opt/anaconda/proxykit/mirrors/conda-forge-cf.json -rw------- secret=true holds the password: true
}
