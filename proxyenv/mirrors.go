package proxyenv

import (
	"fmt"
)

// CondaMirrorPasswordVar names the environment variable that carries the
// password of the conda mirrors' proxies that name a user, where the
// mirror's own variable ([CondaMirror.PasswordVar]) is not set: one
// password for every mirror.
const CondaMirrorPasswordVar = "PROXYKIT_CONDA_PROXY_PASSWORD"

// MirrorValues are the per-mirror proxies of conda and of an Anaconda Server
// as a person gives them, on a command line or as Ansible arguments, the
// passwords kept apart. [MirrorsFromValues] reads them.
type MirrorValues struct {
	// Conda are mirrors conda reaches through a proxy of their own, each
	// MIRROR=PROXY-URL as [ParseCondaMirror] reads it:
	// "https://conda.corp.example=http://svc@proxy-dmz.corp:8080".
	Conda []string
	// Server are Anaconda Server mirrors with a proxy of their own, each
	// "CHANNEL/NAME SOURCE-URL PROXY-URL" as [ParseServerMirror] reads it.
	Server []string
	// Password returns the password of a mirror's proxy, "" when none is
	// given: from where the person keeps it for the mirror id (a file, say;
	// id is a conda mirror's [CondaMirror.Key], a server mirror's
	// CHANNEL/NAME), else from the first of the environment variables vars
	// that is set: [CondaMirror.PasswordVar] then [CondaMirrorPasswordVar]
	// for a conda mirror, [ServerMirrorPasswordVar] for a server mirror. Nil
	// means no password for any.
	Password func(id string, vars ...string) (string, error)
}

// Mirrors are the per-mirror proxies [MirrorsFromValues] read.
type Mirrors struct {
	// Conda are the entries of conda's proxy_servers, for
	// [Settings.CondarcWithMirrors]: the conda mirrors given, then the
	// source of each server mirror through its proxy
	// ([ServerMirror.CondaMirror]).
	Conda []CondaMirror
	// Server are the Anaconda Server mirrors, for [ServerMirrorsScript] and
	// [ServerMirror.RequestBody].
	Server []ServerMirror
	// Warnings are about the passwords: one on a command line, one missing.
	Warnings []Warning
}

// MirrorsFromValues reads per-mirror proxies, each with its password joined
// to its proxy's user. A conda mirror's password is joined only when its
// proxy names a user and carries no password already; one that carries a
// password in its URL, where every local user can read a command line, is
// kept with a warning. A server mirror's URL may not carry a password
// ([ParseServerMirror]); a password found for one whose proxy names no user
// is an error, and a user with no password found a warning. Errors wrap
// [ErrMirror], [ErrServerMirror], a *[ProxyError] or the error of
// v.Password, and never hold a password. It reads nothing but v (and what
// v.Password reads).
func MirrorsFromValues(v MirrorValues) (Mirrors, error) {
	password := func(id string, vars ...string) (string, error) {
		if v.Password == nil {
			return "", nil
		}
		return v.Password(id, vars...)
	}
	var ms Mirrors
	for _, spec := range v.Server {
		m, err := ParseServerMirror(spec)
		if err != nil {
			return Mirrors{}, err
		}
		id, envVar := m.Channel+"/"+m.Name, ServerMirrorPasswordVar(m.Channel, m.Name)
		pw, err := password(id, envVar)
		if err != nil {
			return Mirrors{}, err
		}
		switch {
		case pw != "" && m.Proxy.Username == "":
			return Mirrors{}, fmt.Errorf("%w %s: a password is given but the proxy names no user", ErrServerMirror, id)
		case pw != "":
			m.Proxy.Password = NewSecret(pw)
		case m.Proxy.Username != "":
			ms.Warnings = append(ms.Warnings, Warning{Format: "Anaconda Server mirror", Item: id,
				Message: fmt.Sprintf("the proxy names the user %s but no password was found for it ($%s)", m.Proxy.Username, envVar)})
		}
		ms.Server = append(ms.Server, m)
	}
	for _, c := range v.Conda {
		m, err := ParseCondaMirror(c)
		if err != nil {
			return Mirrors{}, err
		}
		pw, err := password(m.Key(), m.PasswordVar(), CondaMirrorPasswordVar)
		if err != nil {
			return Mirrors{}, err
		}
		if pw != "" && m.Proxy.Username != "" && m.Proxy.Password.IsZero() {
			m.Proxy.Password = NewSecret(pw)
		} else if !m.Proxy.Password.IsZero() {
			ms.Warnings = append(ms.Warnings, Warning{Format: "conda mirror", Item: m.Key(),
				Message: "the proxy URL carries a password on the command line, where every user of this machine can read it; give it in $" + CondaMirrorPasswordVar + " instead"})
		}
		ms.Conda = append(ms.Conda, m)
	}
	for _, m := range ms.Server {
		ms.Conda = append(ms.Conda, m.CondaMirror())
	}
	return ms, nil
}
