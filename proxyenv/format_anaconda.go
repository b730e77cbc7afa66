package proxyenv

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// ServerMirror is a mirror of an Anaconda Server (Team Edition, now Package
// Security Manager) channel that reaches its source through a proxy of its
// own, with its own user and password. The server keeps the proxy with the
// mirror: it is set when the mirror is created with "conda repo mirror" or
// POST /api/channels/CHANNEL/mirrors (the web interface drops it on edit),
// so this package writes those two forms: [ServerMirror.Args] and
// [ServerMirror.RequestBody], the password masked unless asked for.
type ServerMirror struct {
	Channel string // the server's channel the mirror fills: "conda-forge"
	Name    string // the mirror's name: "cf-main"
	Source  string // the URL mirrored: "https://conda.anaconda.org/conda-forge"
	Proxy   Proxy  // the mirror's own proxy
}

// ParseServerMirror reads a mirror as three blank-separated fields,
// CHANNEL/NAME SOURCE-URL PROXY-URL:
//
//	conda-forge/cf-main https://conda.anaconda.org/conda-forge http://user1@proxy.corp:8899
//
// The proxy may name a user but not a password: a command line is readable
// by every local user, so the password comes from the mirror's own source
// (see [ServerMirrorPasswordVar]) and is set on Proxy.Password afterwards.
// Errors wrap [ErrServerMirror] and never quote the proxy's credentials.
func ParseServerMirror(s string) (ServerMirror, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return ServerMirror{}, fmt.Errorf("%w %q: want CHANNEL/NAME SOURCE-URL PROXY-URL", ErrServerMirror, quote.Bounded(redactValue(s)))
	}
	channel, name, ok := strings.Cut(f[0], "/")
	m := ServerMirror{Channel: channel, Name: name, Source: f[1]}
	if !ok || !serverName(channel) || !serverName(name) {
		return ServerMirror{}, fmt.Errorf("%w %q: want CHANNEL/NAME, each of letters, digits, '.', '_' and '-'", ErrServerMirror, quote.Bounded(f[0]))
	}
	u, err := url.Parse(m.Source)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ServerMirror{}, fmt.Errorf("%w %s: source %q: want an http or https URL without credentials", ErrServerMirror, f[0], quote.Bounded(redactValue(m.Source)))
	}
	m.Proxy, err = ParseProxy(f[2])
	if err != nil {
		return ServerMirror{}, fmt.Errorf("%w %s: %w", ErrServerMirror, f[0], err)
	}
	if !m.Proxy.Password.IsZero() {
		return ServerMirror{}, fmt.Errorf("%w %s: the proxy URL holds a password, which every local user can read on a command line; give it in $%s", ErrServerMirror, f[0], ServerMirrorPasswordVar(m.Channel, m.Name))
	}
	return m, nil
}

func serverName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ServerMirrorPasswordVar returns the environment variable that carries the
// proxy password of a mirror: PROXYKIT_MIRROR_PASSWORD_ and the channel and
// name in upper case, any other character than a letter or digit as '_'
// ("conda-forge", "cf-main" → PROXYKIT_MIRROR_PASSWORD_CONDA_FORGE_CF_MAIN).
func ServerMirrorPasswordVar(channel, name string) string {
	return "PROXYKIT_MIRROR_PASSWORD_" + envName(channel) + "_" + envName(name)
}

// PasswordVar returns the environment variable that carries the password
// of the mirror's own proxy: PROXYKIT_MIRROR_PASSWORD_ and the host in upper
// case, any other character than a letter or digit as '_'
// ("conda.corp.example" → PROXYKIT_MIRROR_PASSWORD_CONDA_CORP_EXAMPLE).
func (m CondaMirror) PasswordVar() string { return "PROXYKIT_MIRROR_PASSWORD_" + envName(m.Host) }

// CondaMirror returns the .condarc proxy_servers entry that sends conda on
// a host to the mirror's source through the mirror's proxy, keyed by the
// source's scheme and host.
func (m ServerMirror) CondaMirror() CondaMirror {
	u, _ := url.Parse(m.Source) // checked by ParseServerMirror
	if u == nil {
		return CondaMirror{}
	}
	return CondaMirror{Scheme: u.Scheme, Host: strings.ToLower(u.Hostname()), Proxy: m.Proxy}
}

// envName is s as part of an environment variable's name: upper case, any
// other character than a letter or digit as '_'.
func envName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			return r
		}
		return '_'
	}, s)
}

// proxyURL is the mirror's proxy as the server takes it, the password
// masked unless reveal.
func (m ServerMirror) proxyURL(reveal bool) string {
	if reveal {
		return m.Proxy.RevealURL()
	}
	return m.Proxy.String()
}

// Args returns the command that creates the mirror with its proxy, with
// conda-repo-cli: conda repo mirror --create NAME --channel CHANNEL --source
// SOURCE --proxy PROXY-URL. The proxy's password is [Redacted] unless
// reveal, which is for running the command, never for showing it.
func (m ServerMirror) Args(reveal bool) []string {
	return []string{"conda", "repo", "mirror", "--create", m.Name, "--channel", m.Channel,
		"--source", m.Source, "--proxy", m.proxyURL(reveal)}
}

// RequestPath returns the path, below the server's API root, that creates
// the mirror: /channels/CHANNEL/mirrors.
func (m ServerMirror) RequestPath() string { return "/channels/" + m.Channel + "/mirrors" }

// RequestBody returns the JSON body of the request that creates the mirror
// with its proxy (POST [ServerMirror.RequestPath]): mirror_name,
// source_root, mirror_type "conda" and proxy. The proxy's password is
// [Redacted] unless reveal.
func (m ServerMirror) RequestBody(reveal bool) []byte {
	var b strings.Builder
	b.WriteString("{\n")
	for i, kv := range [][2]string{{"mirror_name", m.Name}, {"source_root", m.Source}, {"mirror_type", "conda"}, {"proxy", m.proxyURL(reveal)}} {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  %s: %s", jsonString(kv[0]), jsonString(kv[1]))
	}
	b.WriteString("\n}\n")
	return []byte(b.String())
}

// ServerMirrorsScript returns the edit of a shell script, wholly written by
// this package, that creates each mirror with its proxy through
// conda-repo-cli ([ServerMirror.Args]): the script a person runs once, after
// "conda repo login". It holds the passwords: create it 0700 for root only.
// An existing file that this package did not write is refused.
func ServerMirrorsScript(mirrors []ServerMirror) (Edit, error) {
	var b strings.Builder
	b.WriteString(serverScriptHeader)
	b.WriteString("# Creates each Anaconda Server mirror with a proxy of its own; run it once,\n# after \"conda repo login\". It holds the proxy passwords, so only root may\n# read it.\nset -e\n")
	for _, m := range mirrors {
		if !serverName(m.Channel) || !serverName(m.Name) {
			return nil, fmt.Errorf("%w %q", ErrServerMirror, quote.Bounded(m.Channel+"/"+m.Name))
		}
		for i, a := range m.Args(true) {
			if i > 0 {
				b.WriteByte(' ')
			}
			if i < 4 || strings.HasPrefix(a, "--") {
				b.WriteString(a) // the command and its options: plain words
				continue
			}
			b.WriteString(shellQuote(a))
		}
		b.WriteByte('\n')
	}
	want := b.String()
	return func(old []byte) ([]byte, error) {
		if old != nil && !strings.HasPrefix(string(old), serverScriptHeader) {
			return nil, &FormatError{Format: "mirror script", Line: 1, Detail: "not written by proxykit", Err: ErrMalformed}
		}
		return []byte(want), nil
	}, nil
}

const serverScriptHeader = "#!/bin/sh\n# Written by proxykit; undo removes it.\n"

// ServerMirrorFiles returns the files, in the directory dir of an Anaconda
// Server's docker-compose project (relative to the root), that create each
// mirror with its own proxy: ComposeTrustDir/mirrors.sh, the script of
// [ServerMirrorsScript] (0700), and for each mirror
// ComposeTrustDir/mirrors/CHANNEL-NAME.json, the body of POST
// [ServerMirror.RequestPath] for the REST API (0600). Both hold the
// passwords. None when there is no mirror.
func ServerMirrorFiles(dir string, mirrors []ServerMirror) ([]File, error) {
	if len(mirrors) == 0 {
		return nil, nil
	}
	script, err := ServerMirrorsScript(mirrors)
	if err != nil {
		return nil, err
	}
	out := []File{{Path: path.Join(dir, ComposeTrustDir, "mirrors.sh"), Edit: script, Secret: true, Mode: 0o700,
		Why: "creates each Anaconda Server mirror with its own proxy: run it once, after conda repo login"}}
	for _, m := range mirrors {
		body := m.RequestBody(true)
		out = append(out, File{Path: path.Join(dir, ComposeTrustDir, "mirrors", m.Channel+"-"+m.Name+".json"),
			Edit: func([]byte) ([]byte, error) { return body, nil }, Secret: true, Mode: 0o600,
			Why: "the body of POST " + m.RequestPath() + ", for the REST API"})
	}
	return out, nil
}
