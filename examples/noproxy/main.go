// Command noproxy explains a no-proxy list: for each URL, whether Go, curl,
// Java and Python reach it directly or through the proxy, then the list in
// Java's http.nonProxyHosts form and what that conversion could not carry
// over.
//
//	go run ./examples/noproxy -no-proxy LIST URL…
//	go run ./examples/noproxy                      # explains a built-in sample
//
// Run it with -h for the flags and a worked example.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/proxykit/proxykit/proxyenv"
)

// Exit statuses, as in every example program (see the usage text).
const (
	exitOK         = 0 // explained
	exitError      = 1 // an error: bad flags or arguments, an argument that is not a URL
	exitIncomplete = 3 // -strict: the list has invalid entries or Java() losses, each named
	programName    = "noproxy"
)

const usage = `usage: noproxy [-no-proxy LIST | -java LIST] [-strict] URL...
       noproxy            (explains a built-in sample)

Explains a no-proxy list. For each URL it prints whether Go (every Go daemon:
dockerd, containerd), curl, Java and Python send the request directly
("direct") or through the proxy ("proxy"), then the entries, the list in
Java's -Dhttp.nonProxyHosts form that makes Java decide as Go does, and each
entry that form could not carry over exactly.

Columns: go, curl (8.18+), java (the entries joined by "|", as a hand
translation does), python (urllib), and java* (the converted list printed
below). A URL without a scheme is taken as http.

Exit status: 0 explained; 1 error (usage errors too); 3 incomplete: with
-strict, the list has invalid entries or entries Java's form cannot carry
exactly, each named. (Statuses 0 to 3 mean the same in every example
program; 2, changes pending, is not one noproxy has.)

Example:
  noproxy -no-proxy 'localhost,.corp.example,10.0.0.0/8,registry:5000' \
      http://registry:5000/v2/ https://git.corp.example/ http://corp.example/ http://10.1.2.3/

Flags:
`

// sample is what noproxy explains with no arguments.
var (
	sampleList = "localhost,.corp.example,*.svc.example,10.0.0.0/8,172.16.0.0/12,fd00::/8,registry.corp.example:5000,10.1.2"
	sampleURLs = []string{
		"http://localhost:8080/",
		"https://git.corp.example/",
		"https://corp.example/",
		"http://api.svc.example/",
		"https://registry.corp.example:5000/v2/",
		"http://10.20.30.40/",
		"http://172.20.0.5/",
		"http://[fd00::10]/",
		"http://10.1.2.3/",
		"https://www.example.org/",
	}
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program with its arguments and output injected.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(programName, flag.ContinueOnError)
	// The flag package's own messages are left out: errors are reported
	// once, as "noproxy: error: …", and -h prints the usage to stdout.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	usageError := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "%s: error: usage: %s\nrun '%s -h' for usage\n", programName, fmt.Sprintf(format, a...), programName)
		return exitError
	}
	var (
		commaList = fs.String("no-proxy", "", "the no-proxy `LIST` in the comma form of no_proxy")
		javaList  = fs.String("java", "", "the no-proxy `LIST` in Java's http.nonProxyHosts form (a|b|*.c)")
		strict    = fs.Bool("strict", false, "exit 3 when an entry is invalid or the Java conversion loses something")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitOK
		}
		return usageError("%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	urls := fs.Args()
	var (
		list proxyenv.NoProxy
		form string
	)
	switch {
	case set["no-proxy"] && set["java"]:
		return usageError("give -no-proxy or -java, not both")
	case set["java"]:
		list, form = proxyenv.ParseJavaNonProxyHosts(*javaList), "http.nonProxyHosts"
	case set["no-proxy"]:
		list, form = proxyenv.ParseNoProxy(*commaList), "no_proxy"
	case len(urls) == 0:
		fmt.Fprintf(stderr, "%s: note: no arguments: explaining a sample list (run 'go run ./examples/noproxy -h' for usage)\n", programName)
		list, form, urls = proxyenv.ParseNoProxy(sampleList), "no_proxy", sampleURLs
	default:
		return usageError("URLs given without a list: add -no-proxy LIST or -java LIST")
	}
	parsed := make([]*url.URL, len(urls))
	for i, s := range urls {
		u, err := parseURL(s)
		if err != nil {
			fmt.Fprintf(stderr, "%s: error: argument %d: %v\n", programName, i+1, err)
			return exitError
		}
		parsed[i] = u
	}
	lossy := explain(stdout, list, form, parsed)
	if *strict && lossy {
		fmt.Fprintf(stderr, "%s: warning: -strict: the list has invalid entries or entries Java cannot carry exactly, each named above\n", programName)
		return exitIncomplete
	}
	return exitOK
}

// parseURL reads a URL argument; one without a scheme is taken as http.
// Errors never quote the argument: it may hold a password.
func parseURL(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("not a URL with a host (write it as http://host:port/path)")
	}
	return u, nil
}

// explain prints the report and says whether anything was lost.
func explain(w io.Writer, l proxyenv.NoProxy, form string, urls []*url.URL) (lossy bool) {
	java, losses := l.Java()
	fmt.Fprintf(w, "%s: %s\n", form, quoteOrNone(l.String()))
	if form != "no_proxy" {
		fmt.Fprintf(w, "comma form: %s\n", quoteOrNone(l.String()))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "\nentries:")
	if l.IsEmpty() {
		fmt.Fprintln(tw, "  (none)")
	}
	for _, e := range l.Entries() {
		desc := e.Kind.String()
		if e.Port != "" {
			desc += ", port " + e.Port
		}
		if e.Kind == proxyenv.KindInvalid {
			desc += ": " + e.Reason
			lossy = true
		}
		fmt.Fprintf(tw, "  %s\t%s\n", e.Text, desc)
	}
	tw.Flush()

	if len(urls) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(tw, "URL\tgo\tcurl\tjava\tpython\tjava*")
		converted := proxyenv.ParseJavaNonProxyHosts(java)
		for _, u := range urls {
			fmt.Fprintf(tw, "%s", u.Redacted())
			for _, c := range proxyenv.Clients {
				fmt.Fprintf(tw, "\t%s", verdict(l.Bypass(c, u)))
			}
			fmt.Fprintf(tw, "\t%s\n", verdict(converted.Bypass(proxyenv.Java, u)))
		}
		tw.Flush()
		fmt.Fprintln(w, "(curl: 8.18+; java: the list with \",\" replaced by \"|\"; java*: the converted list below)")
	}

	fmt.Fprintf(w, "\nJava (decides as Go wherever Java can):\n  -Dhttp.nonProxyHosts='%s'\n", java)
	if len(losses) == 0 {
		fmt.Fprintln(w, "\nEvery entry carried over exactly.")
		return lossy
	}
	fmt.Fprintln(w, "\nNot carried over exactly:")
	for _, loss := range losses {
		fmt.Fprintf(w, "  %s\n", loss)
	}
	return true
}

func verdict(bypass bool) string {
	if bypass {
		return "direct"
	}
	return "proxy"
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}
