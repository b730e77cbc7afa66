package dockerhost

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/proxykit/proxykit/examples/internal/node"
	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/truststore"
)

// certsDir is where dockerd looks for a registry's own CA: certs.d/HOST[:PORT]/ca.crt.
const certsDir = "etc/docker/certs.d"

// checkRegistry accepts a registry as dockerd names its certs.d directory:
// a host name or IP address, optionally with a port.
func checkRegistry(r string) error {
	host, port := r, ""
	if h, p, err := net.SplitHostPort(r); err == nil {
		host, port = h, p
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: -registry %q: invalid port", node.ErrUsage, quote.Bounded(r))
		}
	}
	if host == "" || strings.ContainsAny(host, "/\\ @") || host == "." || host == ".." || strings.Contains(host, "://") {
		return fmt.Errorf("%w: -registry %q: want HOST or HOST:PORT, as in the image name", node.ErrUsage, quote.Bounded(r))
	}
	return nil
}

// planRegistries adds every CA to /etc/docker/certs.d/REGISTRY/ca.crt,
// which dockerd reads for each connection to that registry: no restart.
func (o *options) planRegistries(n *node.Node, certs []*truststore.Certificate) error {
	if len(o.registries) == 0 {
		return nil
	}
	if len(certs) == 0 {
		return fmt.Errorf("%w: -registry needs a CA (-ca, -ca-url or -ca-from-proxy)", node.ErrUsage)
	}
	for _, r := range o.registries {
		if err := checkRegistry(r); err != nil {
			return err
		}
		for _, c := range certs {
			n.Edit(plan.Step{Path: certsDir + "/" + r + "/ca.crt", Edit: truststore.AddToBundle(c), Mode: 0o644,
				Why: "CA dockerd trusts for registry " + r})
		}
	}
	return nil
}

// parseCAs reads every CA of the configuration and checks it as a trust
// anchor ([node.ParseCAs]).
func parseCAs(n *node.Node, cas []node.CA) ([]*truststore.Certificate, error) {
	certs, warns, err := node.ParseCAs(n.Config, cas, time.Time{})
	for _, w := range warns {
		n.Warn(w.Topic, "%s", w.Message)
	}
	return certs, err
}
