package proxyenv

import (
	"path"
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

// ComposeCommand is a docker-compose command that brings the project's
// changes to a service's container.
type ComposeCommand struct {
	// Name says what it does, for a person: "up repo_api", "trust repo_api".
	Name string
	// Argv is the command: "docker-compose", "--project-directory", ….
	Argv []string
}

// Commands returns the commands to run, in order, once the project's files
// are written: docker-compose up -d of each service, which recreates its
// container with the new environment, then, when pem holds CAs, the
// [ComposeTrustCommand] in each, through docker-compose exec -T. file is
// the compose file's absolute path. The [ComposeOverrideFile] next to it is
// named when override is set or pem holds CAs (it mounts them): with -f,
// docker-compose reads it only when named.
func (p ComposeProject) Commands(file string, override bool, pem []byte) []ComposeCommand {
	dir := path.Dir(file)
	base := []string{"docker-compose", "--project-directory", dir, "-f", file}
	if override || len(pem) > 0 {
		base = append(base, "-f", path.Join(dir, ComposeOverrideFile))
	}
	var out []ComposeCommand
	for _, svc := range p.Services {
		out = append(out, ComposeCommand{"up " + svc, append(slices.Clone(base), "up", "-d", svc)})
	}
	if len(pem) == 0 {
		return out
	}
	for _, svc := range p.Services {
		argv := append(slices.Clone(base), "exec", "-T", svc)
		out = append(out, ComposeCommand{"trust " + svc, append(argv, ComposeTrustCommand(pem)...)})
	}
	return out
}
