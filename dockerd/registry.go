package dockerd

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// CertsDir is where dockerd looks for the CAs of one registry,
// CertsDir/HOST[:PORT]/ca.crt, relative to the root. It reads them for each
// connection to that registry: no restart is needed.
const CertsDir = "etc/docker/certs.d"

// ErrRegistry is returned for a registry that is not a host name or IP
// address with an optional port.
var ErrRegistry = errors.New("invalid registry")

// RegistryCAPath returns the PEM bundle dockerd reads the CAs of registry
// from (CertsDir/HOST[:PORT]/ca.crt; add a CA with
// [truststore.AddToBundle]). registry is named as in an image name
// ("registry.corp.example:5000"): a host name or IP address, optionally with
// a port; anything else, a URL or a path, is an error wrapping
// [ErrRegistry].
//
// [truststore.AddToBundle]: https://pkg.go.dev/github.com/proxykit/proxykit/truststore#AddToBundle
func RegistryCAPath(registry string) (string, error) {
	host, port := registry, ""
	if h, p, err := net.SplitHostPort(registry); err == nil {
		host, port = h, p
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%w %q: invalid port", ErrRegistry, quote.Bounded(registry))
		}
	}
	if host == "" || strings.ContainsAny(host, "/\\ @") || host == "." || host == ".." || strings.Contains(host, "://") {
		return "", fmt.Errorf("%w %q: want HOST or HOST:PORT, as in the image name", ErrRegistry, quote.Bounded(registry))
	}
	return CertsDir + "/" + registry + "/ca.crt", nil
}
