package proxyenv

import (
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// ComposeProject is what [Settings.ComposeProject] changes in a
// docker-compose project: the compose file and the project's .env.
type ComposeProject struct {
	// Services are the services given the proxy, as asked or
	// [DefaultComposeServices]; All are every service of the file, in file
	// order ([ComposeServiceNames]).
	Services, All []string
	// File is the edit of the compose file ([Settings.ComposeFile]), which
	// holds no credential.
	File Edit
	// DotEnv is the edit of the project's .env, next to the compose file
	// ([Settings.ComposeDotEnv]): it holds the credentials, so create it
	// 0600.
	DotEnv Edit
	// Warnings are the compose file's.
	Warnings []Warning
}

// ComposeProject returns the changes that put the services of the compose
// file src (by default [DefaultComposeServices]) behind the proxy: their
// environment as ${…} references ([Settings.ComposeFile]), the values in
// the project's .env ([Settings.ComposeDotEnv]), the no-proxy list holding
// localhost, 127.0.0.1 and every service of the project besides s's own, so
// that the containers reach each other directly. A service the file does
// not have is a *[FormatError] wrapping [ErrNoService] that names those it
// has.
//
// docker-compose up -d of each service then recreates its container with
// the new environment; a container left running keeps the old one.
func (s Settings) ComposeProject(src []byte, services ...string) (ComposeProject, error) {
	all, err := ComposeServiceNames(src)
	if err != nil {
		return ComposeProject{}, err
	}
	if len(services) == 0 {
		services = DefaultComposeServices()
	}
	for _, svc := range services {
		if !slices.Contains(all, svc) {
			return ComposeProject{}, &FormatError{Format: formatCompose, Item: "services." + quote.Bounded(svc),
				Detail: "the file has " + strings.Join(all, ", "), Err: ErrNoService}
		}
	}
	s.NoProxy = s.NoProxy.Merge(ParseNoProxy("localhost,127.0.0.1," + strings.Join(all, ",")))
	p := ComposeProject{Services: slices.Clone(services), All: all}
	if p.File, p.Warnings, err = s.ComposeFile(services...); err != nil {
		return ComposeProject{}, err
	}
	if p.DotEnv, _, err = s.ComposeDotEnv(); err != nil {
		return ComposeProject{}, err
	}
	return p, nil
}
