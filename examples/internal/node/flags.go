package node

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/probe"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// EnvProxyPassword names the environment variable that carries the proxy
// password, so that it need not appear on a command line, where every user of
// the machine can read it (ps, /proc/PID/cmdline).
const EnvProxyPassword = "PROXYKIT_PROXY_PASSWORD"

// EnvStorePass names the environment variable that carries the Java keystore
// password in place of -storepass.
const EnvStorePass = "PROXYKIT_STOREPASS"

// Options are the flags every example program takes. Register them on a
// FlagSet, parse, then call [Options.Config].
type Options struct {
	Root         string        // -root: the node's root directory, "/" by default
	Sample       string        // -sample: write the program's sample node into this directory, and nothing else
	Proxy        string        // -proxy: proxy URL for http and https
	HTTPSProxy   string        // -https-proxy: proxy URL for https when it differs
	NoProxy      string        // -no-proxy: comma-separated hosts reached directly
	PasswordFile string        // -proxy-password-file: file whose first line is the proxy password
	CAFiles      []string      // -ca: the proxy's CA certificate files (PEM or DER), repeatable
	CAAlias      string        // -ca-alias NAME: alias and file name of the proxy's CA in the stores
	CAAliases    []string      // -ca-alias SOURCE=NAME: the name of one CA, in order given
	StorePass    string        // -storepass: Java keystore password
	Bundles      []string      // -bundle: extra PEM bundles (paths or globs under the root), repeatable
	Skip         []string      // -skip: trust stores (paths or globs) left out on purpose, repeatable
	NoActions    bool          // -no-actions: never run follow-up commands
	JSON         bool          // -json: print the plan or result as JSON
	Format       string        // -format: text, json or cloud-config (see [FormatCloudConfig])
	Force        bool          // -force: undo restores the files named after it even if changed since apply
	ForcePaths   []string      // the files named after undo -force
	Probes       []string      // -probe: URLs verify checks on the wire, per consumer; repeatable
	ProbeTimeout time.Duration // -probe-timeout: bound of each probe
	NoPassword   bool          // -no-password: the proxy wants no password; credentials on the node may be removed
	BypassAll    bool          // -bypass-all: a no-proxy "*" is meant (every host direct)
	AllowLeaf    bool          // -allow-leaf: a -ca that is not a CA certificate is meant
	AllowExpired bool          // -allow-expired: a -ca outside its validity is meant

	given []givenFlag // every flag set, in order, for the cloud-config's runcmd
}

// Register defines the common flags on fs.
func (o *Options) Register(fs *flag.FlagSet) {
	fs.StringVar(&o.Root, "root", "/", "the node's root `DIR`; nothing outside it is read or written")
	fs.StringVar(&o.Proxy, "proxy", "", "proxy `URL` for http and https, e.g. http://user@proxy.corp:3128")
	fs.StringVar(&o.HTTPSProxy, "https-proxy", "", "proxy `URL` for https when it differs from -proxy")
	fs.StringVar(&o.NoProxy, "no-proxy", "", "comma-separated `LIST` of hosts, domains and CIDRs reached directly")
	fs.StringVar(&o.PasswordFile, "proxy-password-file", "", "read the proxy password from the first line of `FILE` (or set "+EnvProxyPassword+")")
	fs.Func("ca", "the intercepting proxy's CA certificate `FILE` (PEM or DER); repeatable", func(s string) error {
		o.CAFiles = append(o.CAFiles, s)
		return nil
	})
	o.CAAlias = DefaultCAAlias
	plainAlias := false
	fs.Func("ca-alias", "`NAME` of the proxy's CA (-ca, -ca-from-proxy) in Java keystores and the system store (default "+DefaultCAAlias+"); "+
		"or SOURCE=NAME, repeatable, to name one CA apart: SOURCE is a -ca FILE, -ca-url URL or -ca-from-proxy HOST as given, "+
		"or the CA's SHA-256 fingerprint; a -ca-url CA is otherwise named by its subject. The last one that matches a CA wins", func(s string) error {
		if i := strings.LastIndex(s, "="); i >= 0 {
			if s[:i] == "" || !plainName(s[i+1:]) {
				return fmt.Errorf("%q: want SOURCE=NAME, NAME a plain name without spaces or slashes", quote.Bounded(s))
			}
			o.CAAliases = append(o.CAAliases, s)
			return nil
		}
		if plainAlias {
			return fmt.Errorf("%q: a plain NAME given twice; name one CA with SOURCE=NAME", quote.Bounded(s))
		}
		plainAlias = true
		o.CAAlias = s
		return nil
	})
	fs.StringVar(&o.StorePass, "storepass", "changeit", "Java keystore `PASSWORD` (or set "+EnvStorePass+")")
	fs.Func("bundle", "a PEM bundle `PATH` or glob under the root to add the CA to, besides those found; repeatable", func(s string) error {
		o.Bundles = append(o.Bundles, s)
		return nil
	})
	fs.Func("skip", "leave the trust store at `PATH` (a glob, or a directory above stores) out on purpose, said once in the report; repeatable", func(s string) error {
		if _, err := path.Match(s, ""); err != nil {
			return fmt.Errorf("-skip %q: %w", quote.Bounded(s), err)
		}
		o.Skip = append(o.Skip, s)
		return nil
	})
	fs.BoolVar(&o.NoActions, "no-actions", false, "never run follow-up commands (update-ca-trust, systemctl); list them instead")
	fs.BoolVar(&o.JSON, "json", false, "print the plan or result as JSON")
	fs.BoolVar(&o.Force, "force", false, "with undo: restore the files named after it even if changed since apply, keeping that version as PATH.proxykit-TIME")
	fs.Func("probe", "with verify: check on the wire, for each consumer configuration and trust store of the node, that `URL` (https://…) goes through its proxy and is trusted; repeatable", func(s string) error {
		o.Probes = append(o.Probes, s)
		return nil
	})
	fs.DurationVar(&o.ProbeTimeout, "probe-timeout", probe.DefaultTimeout, "bound of each -probe connection")
	fs.BoolVar(&o.BypassAll, "bypass-all", false, "allow '*' in -no-proxy: every host is reached directly, the proxy is off for every client")
	fs.BoolVar(&o.AllowLeaf, "allow-leaf", false, "install a -ca that is not a CA certificate (basicConstraints CA:FALSE or none)")
	fs.BoolVar(&o.AllowExpired, "allow-expired", false, "install a -ca that has expired or is not valid yet")
	fs.BoolVar(&o.NoPassword, "no-password", false, "the proxy URL's user needs no password: plan and apply without one, even where that removes the credentials the node holds")
	fs.StringVar(&o.Format, "format", FormatText, "output `FORMAT`: text, json (as -json), or cloud-config (plan only: a #cloud-config document for first boot)")
}

// DefaultCAAlias is the name of the proxy's CA in the stores when
// -ca-alias does not give one.
const DefaultCAAlias = "corporate_proxy"

// plainName reports whether s can name a CA in the stores (a keystore
// alias and a file name).
func plainName(s string) bool { return s != "" && !strings.ContainsAny(s, "/\\ \t\n=") }

// CAAliasRule is one -ca-alias SOURCE=NAME.
type CAAliasRule struct {
	// Source is a -ca FILE, -ca-url URL or -ca-from-proxy HOST as given
	// ([CA.Source]), or a SHA-256 fingerprint when Fingerprint is set.
	Source      string
	Fingerprint *truststore.Fingerprint
	Name        string
}

// Config is what the common flags resolve to: parsed proxy settings, the CA
// certificates' bytes and the credentials, read from the environment or files
// where the flags say so.
type Config struct {
	Root         string            // absolute path of the node's root
	Settings     proxyenv.Settings // the proxies and the no-proxy list as given
	CAs          []CA              // the CA files, read but not parsed
	CAAlias      string
	CAAliases    []CAAliasRule // -ca-alias SOURCE=NAME, in order
	StorePass    proxyenv.Secret
	Bundles      []string
	Skip         []string      // -skip: stores left out on purpose
	Probes       []*url.URL    // -probe
	ProbeTimeout time.Duration // -probe-timeout
	NoActions    bool
	JSON         bool
	Format       string   // FormatText, FormatJSON or FormatCloudConfig
	Warnings     []string // about how the settings were given (a password on the command line)
	Force        []string // undo -force: files to restore even if changed since apply
	// NoPassword: -no-password; a proxy user without a password, and a
	// plan that removes credentials from the node's files, are wanted.
	NoPassword bool
	// AllowLeaf and AllowExpired: -allow-leaf and -allow-expired; a CA
	// that is no CA certificate, or outside its validity, is installed
	// with a warning instead of refused.
	AllowLeaf, AllowExpired bool

	given []givenFlag // the flags as set, for the cloud-config's runcmd
}

// CA is a certificate file given with -ca.
type CA struct {
	Name  string // the file name as given
	Data  []byte // its contents, PEM or DER
	Alias string // its name in the stores; "" for -ca-alias
	// Source is the flag's value that gave it: the -ca FILE, -ca-url URL
	// or -ca-from-proxy HOST, which -ca-alias SOURCE=NAME matches.
	Source string
}

// Errors of the flags, for callers to branch on.
var (
	ErrUsage   = errors.New("usage")
	ErrNoProxy = errors.New("no proxy given: use -proxy URL")
	// ErrNoPassword: a proxy URL names a user but no password was given,
	// or the plan would remove credentials the node holds, and
	// -no-password does not say that is wanted. Nothing is changed.
	ErrNoPassword = errors.New("no proxy password")
)

// Env gives access to the process's environment and files, injected for
// tests. The zero value uses the real ones.
type Env struct {
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
	// Writable reports why the directory at the absolute path name cannot
	// take a new file (nil when it can); nil means access(2) with W_OK.
	Writable func(name string) error
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return os.Getenv(k)
	}
	return e.Getenv(k)
}

func (e Env) readFile(name string) ([]byte, error) {
	if e.ReadFile == nil {
		return os.ReadFile(name)
	}
	return e.ReadFile(name)
}

func (e Env) writable(name string) error {
	if e.Writable != nil {
		return e.Writable(name)
	}
	return syscall.Access(name, 2) // W_OK
}

// Config resolves the parsed flags. needProxy says whether a proxy is
// required (plan, apply and verify need one; undo does not).
func (o *Options) Config(env Env, needProxy bool) (*Config, error) {
	c := &Config{
		Root:       o.Root,
		CAAlias:    o.CAAlias,
		Bundles:    o.Bundles,
		Skip:       o.Skip,
		NoActions:  o.NoActions,
		JSON:       o.JSON,
		Force:      o.ForcePaths,
		NoPassword: o.NoPassword,
		AllowLeaf:  o.AllowLeaf, AllowExpired: o.AllowExpired,
	}
	if err := o.resolveFormat(c); err != nil {
		return nil, err
	}
	if c.Root == "" {
		return nil, fmt.Errorf("%w: -root is empty", ErrUsage)
	}
	if o.CAAlias == "" {
		o.CAAlias = DefaultCAAlias
		c.CAAlias = DefaultCAAlias
	}
	if !plainName(o.CAAlias) {
		return nil, fmt.Errorf("%w: -ca-alias must be a plain name without spaces or slashes", ErrUsage)
	}
	for _, a := range o.CAAliases {
		i := strings.LastIndex(a, "=")
		r := CAAliasRule{Source: a[:i], Name: a[i+1:]}
		if fp, err := truststore.ParseFingerprint(r.Source); err == nil {
			r.Fingerprint = &fp
		}
		c.CAAliases = append(c.CAAliases, r)
	}
	store := o.StorePass
	if v := env.getenv(EnvStorePass); v != "" {
		store = v
	}
	c.StorePass = proxyenv.NewSecret(store)

	password, err := o.password(env)
	if err != nil {
		return nil, err
	}
	if o.Proxy == "" && o.HTTPSProxy == "" && needProxy {
		return nil, ErrNoProxy
	}
	for _, v := range []struct{ flag, value string }{{"-proxy", o.Proxy}, {"-https-proxy", o.HTTPSProxy}} {
		if p, err := proxyenv.ParseProxy(v.value); err == nil && !p.Password.IsZero() {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s carries a password on the command line, where every user of this machine can read it; use %s or -proxy-password-file instead", v.flag, EnvProxyPassword))
		}
	}
	c.Settings, err = proxyenv.FromValues(proxyenv.Values{Proxy: o.Proxy, HTTPSProxy: o.HTTPSProxy, NoProxy: o.NoProxy, Password: password, BypassAll: o.BypassAll})
	if ve := (*proxyenv.ValueError)(nil); errors.As(err, &ve) {
		return nil, valueError(ve)
	}
	if err != nil {
		return nil, err
	}

	c.ProbeTimeout = o.ProbeTimeout
	if c.ProbeTimeout <= 0 {
		return nil, fmt.Errorf("%w: -probe-timeout must be positive", ErrUsage)
	}
	for _, s := range o.Probes {
		u, err := parseProbe(s)
		if err != nil {
			return nil, err
		}
		c.Probes = append(c.Probes, u)
	}

	for _, name := range o.CAFiles {
		data, err := env.readFile(name)
		if err != nil {
			return nil, fmt.Errorf("read -ca: %w", err)
		}
		c.CAs = append(c.CAs, CA{Name: name, Data: data, Source: name})
	}
	return c, nil
}

// parseProbe reads a -probe URL ([probe.ParseTarget]): a usage error
// quotes it redacted.
func parseProbe(s string) (*url.URL, error) {
	u, err := probe.ParseTarget(s)
	if te := (*probe.TargetError)(nil); errors.As(err, &te) {
		return nil, fmt.Errorf("%w: -probe %q: %s", ErrUsage, te.Value, te.Problem)
	}
	return u, err
}

// password returns the proxy password from -proxy-password-file or the
// environment; the zero Secret when none was given.
func (o *Options) password(env Env) (proxyenv.Secret, error) {
	if o.PasswordFile != "" {
		data, err := env.readFile(o.PasswordFile)
		if err != nil {
			return proxyenv.Secret{}, fmt.Errorf("read -proxy-password-file: %w", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return proxyenv.Secret{}, fmt.Errorf("%w: -proxy-password-file %s: first line is empty", ErrUsage, o.PasswordFile)
		}
		return proxyenv.NewSecret(line), nil
	}
	if v := env.getenv(EnvProxyPassword); v != "" {
		return proxyenv.NewSecret(v), nil
	}
	return proxyenv.Secret{}, nil
}

// hasProxy reports whether the settings name a proxy: without one, verify
// checks only what the last apply recorded.
func (c *Config) hasProxy() bool {
	return c.Settings.HTTPProxy != nil || c.Settings.HTTPSProxy != nil
}

// checkPassword refuses a proxy URL that names a user without a password
// from any source, unless -no-password says the proxy wants none: a
// forgotten export would otherwise erase the password the node's files hold.
func (c *Config) checkPassword() error {
	if c.NoPassword {
		return nil
	}
	for _, v := range []struct {
		flag string
		p    *proxyenv.Proxy
	}{{"-proxy", c.Settings.HTTPProxy}, {"-https-proxy", c.Settings.HTTPSProxy}} {
		if v.p != nil && v.p.Username != "" && v.p.Password.IsZero() {
			return fmt.Errorf("%w: the %s URL names the user %q but no password was given: set $%s or use -proxy-password-file FILE; "+
				"if the proxy wants no password, say so with -no-password", ErrNoPassword, v.flag, quote.Bounded(v.p.Username), EnvProxyPassword)
		}
	}
	return nil
}

// checkRemovals refuses a plan without a password that removes credentials
// from the node's files (files whose old content holds one and whose new
// content holds none), unless -no-password says that is wanted.
func (c *Config) checkRemovals(ch *plan.Changes) error {
	if c.NoPassword || c.Settings.HasCredentials() {
		return nil // a password moves or rotates the credentials; it removes none by mistake
	}
	paths := ch.RemovedCredentials()
	if len(paths) == 0 {
		return nil
	}
	for i, p := range paths {
		paths[i] = "/" + p
	}
	return fmt.Errorf("%w: the plan removes the credentials that %s hold%s, since the proxy URL carries none: give the password "+
		"($%s or -proxy-password-file FILE), or -no-password to remove them", ErrNoPassword, strings.Join(paths, ", "), map[bool]string{true: "s", false: ""}[len(paths) == 1], EnvProxyPassword)
}

// valueError says which flag gave a value [proxyenv.FromValues] refused,
// and what to do: each no-proxy entry refused, no client can match it
// ("10.0.0.0/33", "[::1"), or "*" without -bypass-all, is a usage error of
// its own.
func valueError(ve *proxyenv.ValueError) error {
	flag := map[string]string{"Proxy": "-proxy", "HTTPSProxy": "-https-proxy"}[ve.Field]
	switch {
	case errors.Is(ve, proxyenv.ErrNoUser):
		return fmt.Errorf("%w: a proxy password was given but the %s URL has no user name (write it as http://USER@host:port)", ErrUsage, flag)
	case ve.Field == "NoProxy":
		entries, errs := []error{ve.Err}, []error(nil)
		if j, ok := ve.Err.(interface{ Unwrap() []error }); ok {
			entries = j.Unwrap()
		}
		for _, e := range entries {
			hint := "correct it or leave it out"
			if errors.Is(e, proxyenv.ErrBypassAll) {
				hint = "if that is meant, say so with -bypass-all"
			}
			errs = append(errs, fmt.Errorf("%w: -%w: %s", ErrUsage, e, hint))
		}
		return errors.Join(errs...)
	}
	return fmt.Errorf("%s: %w", flag, ve.Err)
}
