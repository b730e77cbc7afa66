package node

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// FuzzConfigNeverShowsThePassword resolves the flags for any -proxy value
// with a password from the environment, twice, with two passwords of the
// same length: everything shown (the error, the warnings, the proxies as
// printed) must be the same both times, so none of it depends on the
// password. Seeds are in testdata/fuzz/FuzzConfigNeverShowsThePassword.
func FuzzConfigNeverShowsThePassword(f *testing.F) {
	f.Add("http://svc@proxy.corp:3128", "p@ss:w%rd")
	f.Add("svc@proxy.corp", "secret")
	f.Add("http://svc:inline@proxy.corp:3128", "other")
	f.Add("http://svc@proxy.corp:0A0", "0A0")
	f.Fuzz(func(t *testing.T, proxy, password string) {
		if password == "" {
			t.Skip()
		}
		other := strings.Map(func(r rune) rune {
			if r == 'x' {
				return 'y'
			}
			return 'x'
		}, password)
		a, b := shownFor(t, proxy, password), shownFor(t, proxy, other)
		if a != b {
			t.Fatalf("what is shown depends on the password:\n%s\n---\n%s", a, b)
		}
	})
}

// shownFor returns everything Config lets a user see for the flags.
func shownFor(t *testing.T, proxy, password string) string {
	fset := flag.NewFlagSet("fuzz", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	var o Options
	o.Register(fset)
	if err := fset.Parse([]string{"-proxy", proxy}); err != nil {
		t.Skip()
	}
	c, err := o.Config(Env{Getenv: func(k string) string {
		if k == EnvProxyPassword {
			return password
		}
		return ""
	}}, true)
	if err != nil {
		return "error: " + err.Error()
	}
	shown := append([]string(nil), c.Warnings...)
	for _, p := range [...]string{c.Settings.HTTPProxy.String(), c.Settings.HTTPSProxy.String()} {
		shown = append(shown, p)
	}
	return strings.Join(shown, "\n")
}
