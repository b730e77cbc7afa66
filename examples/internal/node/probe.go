package node

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/truststore"
)

// checkProbe refuses -probe outside verify.
func checkProbe(cmd string, c *Config) error {
	if len(c.Probes) > 0 && cmd != CmdVerify {
		return fmt.Errorf("%w: -probe checks a node on the wire: use it with verify, not %s", ErrUsage, cmd)
	}
	return nil
}

// probe runs verify -probe: for each URL and each consumer configuration
// [probe.Discover] finds under the root (with the program's
// [Program.Consumers]), a probe bounded by -probe-timeout, run from this
// host ([probe.All]). Exit status 0 when every probe is ok, 2 otherwise.
func (p *Program) probe(ctx context.Context, cfg *Config, r *Report) error {
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return err
	}
	defer root.Close()
	d := p.Consumers
	d.Stores.Bundles = append(slices.Clone(d.Stores.Bundles), cfg.Bundles...)
	if !cfg.StorePass.IsZero() {
		d.StorePassword = truststore.NewPassword(cfg.StorePass.Reveal())
	}
	consumers, err := probe.Discover(root.FS(), d)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if len(consumers) == 0 {
		return fmt.Errorf("probe: no consumer configuration nor trust store found under %s", cfg.Root)
	}
	r.Probes = probe.All(ctx, consumers, cfg.Probes, cfg.ProbeTimeout)
	for _, res := range r.Probes {
		if !res.OK() {
			r.Exit = ExitPending
		}
	}
	return nil
}

// probeText writes the probes' results, grouped by URL.
func (r *Report) probeText(b *strings.Builder) {
	ok, last := 0, ""
	for _, res := range r.Probes {
		if res.URL != last {
			fmt.Fprintf(b, "probe %s\n", res.URL)
			last = res.URL
		}
		fmt.Fprintf(b, "  %s\n", res)
		if res.OK() {
			ok++
		}
	}
	if ok == len(r.Probes) {
		fmt.Fprintf(b, "all %d probes ok\n", ok)
	} else {
		fmt.Fprintf(b, "%d of %d probes ok\n", ok, len(r.Probes))
	}
}
