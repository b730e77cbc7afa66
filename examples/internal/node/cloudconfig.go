package node

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

// The output formats of -format.
const (
	FormatText = "text" // the report as text; the default
	FormatJSON = "json" // the report as one JSON object; -json says the same
	// FormatCloudConfig is plan's #cloud-config document for a node's first
	// boot: the text files the plan writes as write_files (with their
	// modes), the CA through cloud-init's ca_certs module, and what only the
	// node itself can do (Java keystores, bundles inside installed
	// packages) as one runcmd entry that runs the program's apply where it
	// is installed, or says what was left out.
	FormatCloudConfig = "cloud-config"
)

// Where the cloud-config document puts what the program's own apply needs
// on the node: the CA, the proxy password and the keystore password.
const (
	CloudCAPath        = "/etc/proxykit/proxy-ca.pem"
	CloudPasswordPath  = "/etc/proxykit/proxy-password"
	CloudStorePassPath = "/etc/proxykit/storepass"
)

// resolveFormat sets c.Format from -format and -json.
func (o *Options) resolveFormat(c *Config) error {
	c.given = o.given
	switch o.Format {
	case "", FormatText:
		c.Format = FormatText
		if o.JSON {
			c.Format = FormatJSON
		}
	case FormatJSON, FormatCloudConfig:
		if o.JSON && o.Format != FormatJSON {
			return fmt.Errorf("%w: -json and -format %s ask for two formats: choose one", ErrUsage, o.Format)
		}
		c.Format = o.Format
	default:
		return fmt.Errorf("%w: -format %q: want text, json or cloud-config", ErrUsage, quote.Bounded(o.Format))
	}
	c.JSON = c.Format == FormatJSON
	return nil
}

// checkFormat refuses a format the subcommand has no use for.
func checkFormat(cmd string, c *Config) error {
	if c.Format == FormatCloudConfig && cmd != CmdPlan {
		return fmt.Errorf("%w: -format cloud-config is a plan for first boot: use it with plan, not %s", ErrUsage, cmd)
	}
	return nil
}

// A givenFlag is one flag as set on the command line.
type givenFlag struct{ name, value string }

// givenFlags lists the flags args sets, in order, each value of a
// repeatable flag kept: args is parsed again, once fs has accepted it, by a
// shadow set whose flags only record.
func givenFlags(fs *flag.FlagSet, args []string) []givenFlag {
	var given []givenFlag
	shadow := flag.NewFlagSet("", flag.ContinueOnError)
	shadow.SetOutput(io.Discard)
	fs.VisitAll(func(f *flag.Flag) {
		r := recorder{name: f.Name, given: &given}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			shadow.Var(boolRecorder{r}, f.Name, "")
			return
		}
		shadow.Var(r, f.Name, "")
	})
	if shadow.Parse(args) == nil && shadow.NArg() > 0 {
		_ = shadow.Parse(shadow.Args()[1:]) // after the subcommand
	}
	return given
}

// A recorder is a flag of the shadow set: it records each value set.
type recorder struct {
	name  string
	given *[]givenFlag
}

func (r recorder) String() string { return "" }

func (r recorder) Set(s string) error {
	*r.given = append(*r.given, givenFlag{r.name, s})
	return nil
}

type boolRecorder struct{ recorder }

func (boolRecorder) IsBoolFlag() bool { return true }

// The flags the document's runcmd leaves out or replaces: the root, the
// output, the follow-up switch, and every source of the CA and the
// passwords, since the document carries the CA and the credentials in
// files of its own.
var cloudDropFlags = []string{
	"root", "json", "format", "no-actions",
	"proxy", "https-proxy", "proxy-password-file", "storepass",
	"ca", "ca-url", "ca-from-proxy", "fingerprint", "fetch-timeout",
}

// cloudConfig renders plan's changes as a #cloud-config document into
// r.document. Each file gets the content apply would write and the mode
// apply leaves it with; a file holding a credential gets the mode the
// program creates it with (0600 unless its consumer must read it as another
// user), since cloud-init writes it anew.
func (p *Program) cloudConfig(r *Report, n *Node, ch *plan.Changes, cfg *Config) error {
	certs, _, err := ParseCAs(cfg, cfg.CAs, time.Time{}) // checked and warned about when planned
	if err != nil {
		return err
	}
	d := &cloudDoc{program: p.Name, notes: n.Notes()}
	wanted := map[string]bool{} // the actions of the files the document carries, and of the CA
	var updates [][]string
	for _, l := range truststore.Layouts() {
		updates = append(updates, l.Update)
	}
	created := map[string]fs.FileMode{} // the mode each file is created with
	for _, st := range n.Plan.Steps {
		name := strings.TrimPrefix(st.Path, "/")
		if _, ok := created[name]; ok {
			continue
		}
		switch {
		case st.Mode != 0:
			created[name] = st.Mode.Perm()
		case st.Secret:
			created[name] = 0o600
		default:
			created[name] = 0o644
		}
	}
	secret := false
	for i := range ch.Files {
		f := &ch.Files[i]
		if !f.Changed() || f.New == nil {
			continue
		}
		switch {
		case systemStore(f.Real) && len(certs) > 0:
			// cloud-init's ca_certs writes the anchor and runs the
			// update, which rebuilds the system bundle.
			for _, a := range f.Actions {
				wanted[a] = true
			}
			continue
		case nodeOnly(f):
			d.leftOut = append(d.leftOut, f.Path)
			continue
		}
		secret = secret || f.Secret
		mode := f.Mode.Perm()
		if m, ok := created[f.Path]; ok && f.Secret && m != mode {
			// cloud-init writes the file anew: a credential gets the
			// mode the program gives a new file, 0600 unless its
			// consumer must read it as another user.
			mode = m
			r.Warnings = slices.DeleteFunc(r.Warnings, func(w Warning) bool { return w.Topic == "/"+f.Path })
		}
		d.files = append(d.files, cloudFile{path: "/" + f.Path, content: f.New, mode: fmt.Sprintf("%04o", mode), secret: f.Secret})
		for _, a := range f.Actions {
			wanted[a] = true
		}
	}
	for _, c := range certs {
		d.cas = append(d.cas, string(c.PEM()))
	}
	for _, a := range ch.Actions() {
		if !wanted[a.Name] || slices.ContainsFunc(updates, func(u []string) bool { return slices.Equal(u, a.Argv) }) {
			continue
		}
		argv := slices.Clone(a.Argv)
		if len(argv) == 3 && argv[0] == "systemctl" && argv[1] == "restart" {
			// At first boot the unit may not have started yet: it will
			// start with the new files; restart it only if it runs.
			argv[1] = "try-restart"
		}
		d.runcmd = append(d.runcmd, argv)
	}
	if len(d.leftOut) > 0 {
		secret = d.nodeApply(cfg, certs) || secret
	}
	if secret {
		r.Warnings = append(r.Warnings, Warning{Topic: "cloud-config", Message: "the document holds the proxy credentials " +
			"(in files cloud-init writes 0600 where their consumer allows): give it to the node as user data and keep it as private as they are"})
	}
	doc, err := d.render()
	if err != nil {
		return err
	}
	r.document = doc
	return nil
}

// systemStore reports whether p is part of a distribution's system store:
// in its anchor directory, or a store its update command rebuilds (an
// image's system bundle, which the program edits in place).
func systemStore(p string) bool {
	for _, l := range truststore.Layouts() {
		if path.Dir(p) == l.AnchorDir || p == l.Bundle || l.Regenerates(p) {
			return true
		}
	}
	return false
}

// nodeOnly reports whether only the node can make the change: a binary
// store (a Java keystore), or an existing PEM bundle, whose content comes
// from the packages installed there.
func nodeOnly(f *plan.Change) bool {
	if !utf8.Valid(f.New) || bytes.IndexByte(f.New, 0) >= 0 {
		return true
	}
	if f.Old == nil {
		return false
	}
	rest := bytes.TrimSpace(f.New)
	if len(rest) == 0 {
		return false
	}
	for len(rest) > 0 {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil || b.Type != "CERTIFICATE" {
			return false
		}
		rest = bytes.TrimSpace(rest)
	}
	return true
}

// nodeApply adds the runcmd entry that runs the program's apply on the
// node, where it is installed, for the changes only the node can make; and
// the files it reads the CA and the passwords from. It reports whether
// those hold a credential.
func (d *cloudDoc) nodeApply(cfg *Config, certs []*truststore.Certificate) bool {
	args := []string{d.program}
	secret := false
	for _, v := range []struct {
		flag string
		p    *proxyenv.Proxy
	}{{"-proxy", cfg.Settings.HTTPProxy}, {"-https-proxy", cfg.Settings.HTTPSProxy}} {
		if v.p == nil || (v.flag == "-https-proxy" && cfg.Settings.HTTPProxy != nil && *v.p == *cfg.Settings.HTTPProxy) {
			continue
		}
		q := *v.p
		q.Password = proxyenv.Secret{}
		args = append(args, v.flag, q.RevealURL())
	}
	for _, g := range cfg.given {
		if !slices.Contains(cloudDropFlags, g.name) {
			args = append(args, "-"+g.name+"="+g.value)
		}
	}
	if len(certs) > 0 {
		var pemData []byte
		for _, c := range certs {
			pemData = append(pemData, c.PEM()...)
		}
		d.files = append(d.files, cloudFile{path: CloudCAPath, content: pemData, mode: "0644"})
		args = append(args, "-ca", CloudCAPath)
	}
	if pw := proxyPassword(cfg.Settings); pw != "" {
		d.files = append(d.files, cloudFile{path: CloudPasswordPath, content: []byte(pw + "\n"), mode: "0600", secret: true})
		args = append(args, "-proxy-password-file", CloudPasswordPath)
		secret = true
	}
	env := ""
	if sp := cfg.StorePass.Reveal(); sp != "" && sp != "changeit" {
		d.files = append(d.files, cloudFile{path: CloudStorePassPath, content: []byte(sp), mode: "0600", secret: true})
		env = EnvStorePass + `="$(cat ` + CloudStorePassPath + `)" `
		secret = true
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	left := "/" + strings.Join(d.leftOut, ", /")
	script := fmt.Sprintf("if command -v %s >/dev/null 2>&1; then\n  %s%s apply\nelse\n  echo %s >&2\nfi\n",
		shellQuote(d.program), env, strings.Join(quoted, " "),
		shellQuote(fmt.Sprintf("proxykit: %s is not installed: left out: %s", d.program, left)))
	d.runcmd = append(d.runcmd, []string{"sh", "-c", script})
	return secret
}

// proxyPassword is the password of the proxies, which the programs take
// once for both.
func proxyPassword(s proxyenv.Settings) string {
	for _, p := range []*proxyenv.Proxy{s.HTTPProxy, s.HTTPSProxy} {
		if p != nil && !p.Password.IsZero() {
			return p.Password.Reveal()
		}
	}
	return ""
}

// shellQuote quotes s for sh where it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+,./:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// A cloudDoc is a #cloud-config document being built.
type cloudDoc struct {
	program string
	notes   []string
	files   []cloudFile
	cas     []string
	runcmd  [][]string
	leftOut []string
}

// A cloudFile is one write_files entry.
type cloudFile struct {
	path    string
	content []byte
	mode    string
	secret  bool
}

// render writes the document: "#cloud-config" first, then comments, then
// write_files, ca_certs and runcmd.
func (d *cloudDoc) render() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	if len(d.files) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, f := range d.files {
			m := &yaml.Node{Kind: yaml.MappingNode}
			m.Content = append(m.Content, str("path"), str(f.path))
			if f.secret || !literal(f.content) {
				m.Content = append(m.Content, str("encoding"), str("b64"),
					str("content"), str(base64.StdEncoding.EncodeToString(f.content)))
			} else {
				c := str(string(f.content))
				c.Style = yaml.LiteralStyle
				m.Content = append(m.Content, str("content"), c)
			}
			perm := str(f.mode)
			perm.Style = yaml.SingleQuotedStyle
			m.Content = append(m.Content, str("permissions"), perm)
			seq.Content = append(seq.Content, m)
		}
		root.Content = append(root.Content, str("write_files"), seq)
	}
	if len(d.cas) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, c := range d.cas {
			n := str(c)
			n.Style = yaml.LiteralStyle
			seq.Content = append(seq.Content, n)
		}
		cc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str("trusted"), seq}}
		root.Content = append(root.Content, str("ca_certs"), cc)
	}
	if len(d.runcmd) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, argv := range d.runcmd {
			cmd := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			if len(argv) == 3 && argv[0] == "sh" {
				cmd.Style = 0
			}
			for _, a := range argv {
				n := str(a)
				if strings.Contains(a, "\n") {
					n.Style = yaml.LiteralStyle
				}
				cmd.Content = append(cmd.Content, n)
			}
			seq.Content = append(seq.Content, cmd)
		}
		root.Content = append(root.Content, str("runcmd"), seq)
	}
	var b bytes.Buffer
	b.WriteString("#cloud-config\n")
	fmt.Fprintf(&b, "# %s plan -format cloud-config: the node's files at first boot\n", d.program)
	for i, n := range d.notes {
		label := "note"
		if i == 0 {
			label = "node"
		}
		fmt.Fprintf(&b, "# %s: %s\n", label, oneLine(n))
	}
	if len(d.leftOut) > 0 {
		fmt.Fprintf(&b, "# only the node can change these (runcmd runs %s apply where it is installed):\n", d.program)
		for _, p := range d.leftOut {
			fmt.Fprintf(&b, "#   /%s\n", p)
		}
	}
	if len(root.Content) == 0 {
		b.WriteString("{}\n")
		return b.Bytes(), nil
	}
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(root); err != nil {
		return nil, fmt.Errorf("cloud-config: %w", err)
	}
	if err := e.Close(); err != nil {
		return nil, fmt.Errorf("cloud-config: %w", err)
	}
	return b.Bytes(), nil
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// literal reports whether content reads back byte for byte from a YAML
// literal block: printable text, no trailing blanks, no carriage returns.
func literal(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) || b[0] == ' ' || b[0] == '\n' {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return false
		}
		for _, r := range line {
			if r == '\t' {
				continue
			}
			if r < 0x20 || r == 0x7f || r == 0xfeff {
				return false
			}
		}
	}
	return true
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// writeDocument prints the cloud-config document on stdout, and the
// warnings on stderr.
func (r *Report) writeDocument(stdout, stderr io.Writer) error {
	for _, w := range r.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", r.Program, w)
	}
	_, err := stdout.Write(r.document)
	return err
}
