package dockerd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/systemdunit"
)

// Environment returns the proxy environment the Docker daemon gets on the
// node whose root file system is fsys, as it is today: docker.service's
// environment as systemd passes it (Environment= of the unit and its
// drop-ins, then the EnvironmentFile= contents), with daemon.json's
// "proxies" first as http_proxy, https_proxy and no_proxy in place of the
// variables of those names in either case, since Docker 23+ prefers them.
// Read the result with [proxyenv.FromEnvironment]. ok is false when neither
// the unit (unmasked) nor daemon.json exists. A daemon.json that does not
// parse adds nothing: dockerd would not start with it.
func Environment(fsys fs.FS) (env []string, ok bool, err error) {
	u, err := systemdunit.Load(fsys, Unit)
	switch {
	case errors.Is(err, systemdunit.ErrNotFound) && (u == nil || len(u.Files) == 0):
	case errors.Is(err, systemdunit.ErrMasked):
	case err != nil && !errors.Is(err, systemdunit.ErrNotFound):
		return nil, false, err
	default:
		ok = true
		e, err := u.Effective(fsys)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", Unit, err)
		}
		env = e.Env()
	}
	data, err := readFile(fsys, DaemonJSONPath)
	if err != nil {
		return env, ok, nil
	}
	ok = true
	var cfg struct {
		Proxies struct {
			HTTP    string `json:"http-proxy"`
			HTTPS   string `json:"https-proxy"`
			NoProxy string `json:"no-proxy"`
		} `json:"proxies"`
	}
	if json.Unmarshal(data, &cfg) != nil {
		return env, ok, nil
	}
	var first []string
	for _, v := range [][2]string{{"http_proxy", cfg.Proxies.HTTP}, {"https_proxy", cfg.Proxies.HTTPS}, {"no_proxy", cfg.Proxies.NoProxy}} {
		if v[1] != "" {
			first = append(first, v[0]+"="+v[1])
			env = slices.DeleteFunc(env, func(kv string) bool {
				k, _, _ := strings.Cut(kv, "=")
				return strings.EqualFold(k, v[0])
			})
		}
	}
	return append(first, env...), ok, nil
}
