package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
)

// params are the module's arguments, as Ansible writes them: the task's
// options, and Ansible's own keys (_ansible_check_mode, _ansible_diff, …).
type params struct {
	Profile     string
	Proxy       string
	HTTPSProxy  string
	NoProxy     []string
	Password    string
	CA          []string
	CAURL       string
	Fingerprint string
	Root        string
	StorePass   string
	State       string
	Restart     bool
	Users       []string // docker-host: -user, whose ~/.docker/config.json gets the proxy
	Registries  []string // docker-host: -registry, whose certs.d/…/ca.crt gets the CA

	check bool // _ansible_check_mode
	diff  bool // _ansible_diff
}

// options lists the module's options, for the message about one it does
// not know.
var options = []string{"ca", "ca_url", "fingerprint", "https_proxy", "no_proxy", "password", "profile", "proxy", "registries", "restart", "root", "state", "storepass", "users"}

// parseParams reads the arguments file. Unknown options are refused, with
// the list of known ones; Ansible's own keys other than check and diff mode
// are ignored. Values are never quoted in errors: two of them are secrets.
func parseParams(data []byte) (*params, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, errors.New("the module's arguments are not a JSON object")
	}
	p := &params{Root: "/", State: "present", Restart: true}
	var unknown []string
	for k, v := range raw {
		var err error
		switch k {
		case "profile":
			err = str(v, &p.Profile)
		case "proxy":
			err = str(v, &p.Proxy)
		case "https_proxy":
			err = str(v, &p.HTTPSProxy)
		case "no_proxy":
			err = list(v, &p.NoProxy, true)
		case "password":
			err = str(v, &p.Password)
		case "ca":
			err = list(v, &p.CA, false)
		case "ca_url":
			err = str(v, &p.CAURL)
		case "fingerprint":
			err = str(v, &p.Fingerprint)
		case "root":
			err = str(v, &p.Root)
		case "storepass":
			err = str(v, &p.StorePass)
		case "state":
			err = str(v, &p.State)
		case "restart":
			err = boolean(v, &p.Restart)
		case "users":
			err = list(v, &p.Users, true)
		case "registries":
			err = list(v, &p.Registries, true)
		case "_ansible_check_mode":
			err = boolean(v, &p.check)
		case "_ansible_diff":
			err = boolean(v, &p.diff)
		default:
			if !strings.HasPrefix(k, "_ansible_") {
				unknown = append(unknown, quote.Bounded(k))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("unsupported parameters: %s (supported: %s)", strings.Join(unknown, ", "), strings.Join(options, ", "))
	}
	return p, p.validate()
}

// validate refuses arguments that name nothing the programs can do.
func (p *params) validate() error {
	switch {
	case p.Profile == "":
		return errors.New("profile is required: dcos or docker-host")
	case p.Profile != "dcos" && p.Profile != "docker-host":
		return fmt.Errorf("profile: want dcos or docker-host, not %q", quote.Bounded(p.Profile))
	case p.State != "present" && p.State != "absent":
		return fmt.Errorf("state: want present or absent, not %q", quote.Bounded(p.State))
	case p.Root == "":
		return errors.New("root: empty; leave it out for /")
	case p.Profile != "docker-host" && len(p.Users)+len(p.Registries) > 0:
		return errors.New("users and registries are docker-host's: the Docker clients' config.json and certs.d")
	case p.State == "absent":
		return nil
	case p.Proxy == "" && p.HTTPSProxy == "":
		return errors.New("proxy is required with state: present (or https_proxy)")
	case (p.CAURL == "") != (p.Fingerprint == ""):
		return errors.New("ca_url and fingerprint go together: a CA fetched over a connection nothing can verify yet is trusted only with its SHA-256 fingerprint")
	}
	return nil
}

func str(v json.RawMessage, dst *string) error {
	if string(v) == "null" {
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return errors.New("want a string")
	}
	return nil
}

// list reads a list of strings, or one string; with comma, one string is a
// comma-separated list.
func list(v json.RawMessage, dst *[]string, comma bool) error {
	var s string
	if bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
		if err := json.Unmarshal(v, dst); err != nil {
			return errors.New("want a list of strings")
		}
		return nil
	}
	if err := str(v, &s); err != nil {
		return errors.New("want a list of strings, or a string")
	}
	if s == "" {
		return nil
	}
	if !comma {
		*dst = []string{s}
		return nil
	}
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			*dst = append(*dst, e)
		}
	}
	return nil
}

// boolean reads true or false, or the strings Ansible takes for them.
func boolean(v json.RawMessage, dst *bool) error {
	if err := json.Unmarshal(v, dst); err == nil {
		return nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		switch strings.ToLower(s) {
		case "yes", "true", "on", "1", "y", "t":
			*dst = true
			return nil
		case "no", "false", "off", "0", "n", "f":
			*dst = false
			return nil
		}
	}
	return errors.New("want true or false")
}
