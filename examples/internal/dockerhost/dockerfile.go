package dockerhost

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// cmdDockerfile is the subcommand that prints what an image build needs.
const cmdDockerfile = "dockerfile"

// runDockerfile runs "docker-host dockerfile [flags]".
func runDockerfile(env node.Env, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name+" "+cmdDockerfile, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, as "docker-host: error: …"
	var opts node.Options
	opts.Register(fs)
	var ca node.CASources
	ca.Register(fs)
	family := fs.String("family", "debian", "the image's distribution `FAMILY`: debian (and ubuntu), rhel (and centos, fedora), suse or alpine")
	conda := fs.String("conda-prefix", "/opt/conda", "the conda installation `DIR` in the image whose bundles get the CA; empty for none")
	fs.Usage = func() {} // -h prints the usage to stdout; errors are reported once
	fail := func(err error) int {
		return node.Fail(name, cmdDockerfile, stdout, stderr, node.WantsJSON(args), err)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: %s %s [flags]\n\nPrints the Dockerfile lines and the docker build arguments an image build\nbehind the proxy needs. Nothing is written.\n\n%s\n\nflags:\n", name, cmdDockerfile, node.ExitStatuses)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return node.ExitOK
		}
		return fail(fmt.Errorf("%w: %v", node.ErrUsage, err))
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("%w: unexpected argument %q", node.ErrUsage, quote.Bounded(fs.Arg(0))))
	}
	cfg, err := opts.Config(env, true)
	if err != nil {
		return fail(err)
	}
	if len(cfg.CAAliases) > 0 {
		return fail(fmt.Errorf("%w: -ca-alias SOURCE=NAME: the Dockerfile puts every CA into one anchor, named by -ca-alias NAME", node.ErrUsage))
	}
	var notes []string
	fetched, err := ca.Fetch(cfg.Settings, nil, func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) })
	if err != nil {
		return fail(err)
	}
	certs, caWarns, err := node.ParseCAs(cfg, append(cfg.CAs, fetched...), time.Time{})
	if err != nil {
		return fail(err)
	}
	for _, w := range caWarns {
		notes = append(notes, "warning: "+w.String())
	}
	i := slices.IndexFunc(truststore.Layouts(), func(l truststore.Layout) bool { return l.Family == *family })
	if i < 0 {
		return fail(fmt.Errorf("%w: -family %q: want debian, rhel, suse or alpine", node.ErrUsage, quote.Bounded(*family)))
	}
	d := proxyenv.Dockerfile{Family: *family, By: name + " " + cmdDockerfile}
	if len(certs) > 0 {
		layout := truststore.Layouts()[i]
		d.Anchor, d.Update, d.CondaPrefix = "/"+layout.AnchorPath(cfg.CAAlias), layout.Update, *conda
		for _, c := range certs {
			d.CA, d.Labels = append(d.CA, c.PEM()...), append(d.Labels, c.String())
		}
	}
	out, warns, err := cfg.Settings.Dockerfile(d)
	if err != nil {
		return fail(err)
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "%s: note: %s\n", name, n)
	}
	if _, err := stdout.Write(out); err != nil {
		return fail(err)
	}
	for _, w := range warns {
		fmt.Fprintf(stderr, "%s: warning: %s\n", name, node.WarningText(w))
	}
	return node.ExitOK
}
