package proxyenv

import (
	"bytes"
	"strings"
)

const (
	formatDaemonJSON   = "daemon.json"
	formatClientConfig = "docker config.json"
	formatBuildArgs    = "docker build args"
	formatDaemonEnv    = "docker daemon environment"
)

// DockerDaemonEnv returns the environment of the Docker daemon for a
// systemd drop-in (/etc/systemd/system/docker.service.d/), as NAME=value
// strings: HTTP_PROXY, HTTPS_PROXY and NO_PROXY in both cases (the daemon
// reads either; git and curl, which it runs for remote build contexts, read
// the lower case), FTP_PROXY when set. The values are raw: give them to
// systemdunit, which quotes them and escapes '%' and '$' for systemd. The
// warnings say when credentials become readable by every local user through
// "systemctl show".
func (s Settings) DockerDaemonEnv() ([]string, []Warning) {
	env := s.envList(true)
	var warns []Warning
	if s.HasCredentials() {
		warns = append(warns, Warning{Format: formatDaemonEnv, Message: `Environment= values are shown to every local user by "systemctl show docker"; ` +
			"to keep the proxy credentials private, put these lines in a root-only file named by EnvironmentFile= instead"})
	}
	return env, warns
}

// DockerBuildArgs returns the proxy build arguments of an image build, as
// NAME=value strings for "docker build --build-arg" or the API's buildargs:
// HTTP_PROXY, HTTPS_PROXY and NO_PROXY in both cases (FTP_PROXY when set),
// which Docker predefines, so no ARG line is needed. A warning says when
// they carry credentials: an image whose Dockerfile declares one of them as
// ARG records its value in "docker history", and build logs and provenance
// may show it.
func (s Settings) DockerBuildArgs() ([]string, []Warning) {
	args := s.envList(true)
	var warns []Warning
	if s.HasCredentials() {
		warns = append(warns, Warning{Format: formatBuildArgs, Message: "the build args carry the proxy credentials: they are visible in image history " +
			"when the Dockerfile declares them as ARG, and may appear in build logs and provenance; " +
			"prefer a proxy that needs no credentials for builds"})
	}
	return args, warns
}

// envList returns the set variables of s as NAME=value strings, upper case
// first when upperFirst.
func (s Settings) envList(upperFirst bool) []string {
	var out []string
	vars := s.envVars()
	for i := 0; i+1 < len(vars); i += 2 {
		lo, up := vars[i], vars[i+1]
		if lo.value == "" {
			continue
		}
		if upperFirst {
			lo, up = up, lo
		}
		out = append(out, lo.name+"="+lo.value, up.name+"="+up.value)
	}
	return out
}

// DockerDaemonJSON returns the edit of /etc/docker/daemon.json that sets
// "proxies": {"http-proxy", "https-proxy", "no-proxy"} (Docker Engine 23
// and later), removing those of an unset proxy. Every other key, the key
// order and the layout are kept byte for byte; new keys follow the file's
// indentation. Invalid JSON, or a top level that is not an object, is
// refused with its line and column.
func (s Settings) DockerDaemonJSON() (Edit, []Warning, error) {
	kvs := []jsonKV{
		{"http-proxy", jsonProxy(s.HTTPProxy)},
		{"https-proxy", jsonProxy(s.HTTPSProxy)},
		{"no-proxy", jsonNoProxy(s.NoProxy)},
	}
	return jsonEdit(formatDaemonJSON, "  ", []string{"proxies"}, kvs), nil, nil
}

// DockerClientConfig returns the edit of a Docker client's
// ~/.docker/config.json that sets "proxies": {"default": {"httpProxy",
// "httpsProxy", "noProxy"}} ("ftpProxy" too when set), which the client
// passes to containers and builds. auths, credsStore, other proxies entries,
// unknown keys, the key order and the layout are kept byte for byte.
// Invalid JSON, or a top level that is not an object, is refused with its
// line and column. A warning says when the proxies carry credentials: the
// client hands them to every container as environment variables. Find the
// files with [DockerClients].
func (s Settings) DockerClientConfig() (Edit, []Warning, error) {
	kvs := []jsonKV{
		{"httpProxy", jsonProxy(s.HTTPProxy)},
		{"httpsProxy", jsonProxy(s.HTTPSProxy)},
		{"noProxy", jsonNoProxy(s.NoProxy)},
	}
	if s.FTPProxy != nil {
		kvs = append(kvs, jsonKV{"ftpProxy", jsonProxy(s.FTPProxy)})
	}
	var warns []Warning
	if s.HasCredentials() {
		warns = append(warns, Warning{Format: formatClientConfig, Message: "the client passes these proxies, credentials included, " +
			"to every container and build it starts as environment variables, which every process in them and \"docker inspect\" can read; " +
			"prefer a proxy that needs no credentials for containers"})
	}
	return jsonEdit(formatClientConfig, "\t", []string{"proxies", "default"}, kvs), warns, nil
}

func jsonProxy(p *Proxy) []byte {
	if p == nil {
		return nil
	}
	return jsonString(p.RevealURL())
}

func jsonNoProxy(l NoProxy) []byte {
	if l.IsEmpty() {
		return nil
	}
	return jsonString(l.String())
}

// jsonEdit sets the members kvs of the object at path.
func jsonEdit(format, unit string, path []string, kvs []jsonKV) Edit {
	return func(old []byte) ([]byte, error) {
		d, err := parseJSONDoc(format, old, unit)
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			d.set(append(path[:len(path):len(path)], kv.key), kv.val)
		}
		if old != nil && string(d.src) == "{}\n" && len(strings.TrimSpace(string(old))) == 0 {
			return old, nil // a blank file stays as it was when there is nothing to set
		}
		return bytes.Clone(d.src), nil
	}
}
