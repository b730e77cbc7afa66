package node

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/proxykit/proxykit/examples/internal/plan"
	"github.com/proxykit/proxykit/probe"
)

// A Report is what a subcommand did or would do, printed as text or, with
// -json, as one JSON object. Nothing in it holds a secret: proxies are
// redacted and the diff is masked by the engine.
type Report struct {
	Program  string         `json:"program"`
	Command  string         `json:"command"`        // plan, apply, undo or verify
	Root     string         `json:"root"`           // as given with -root
	Notes    []string       `json:"node,omitempty"` // what the node is
	Proxy    *ProxyReport   `json:"proxy,omitempty"`
	Files    []FileReport   `json:"files"`          // every file the plan manages
	Diff     string         `json:"diff,omitempty"` // plan: the unified diff, secrets masked
	Actions  []ActionReport `json:"actions"`        // follow-up commands
	Warnings []Warning      `json:"warnings"`       // what a person must read
	// Left are the stores found that should change and do not, each with
	// its reason: plan and apply exit 3 (incomplete), verify counts them as
	// drift. A store left out with -skip is not among them.
	Left  []Left `json:"left,omitempty"`
	Error string `json:"error,omitempty"` // apply or undo failed part way
	// Drift lists the files (and stores) that are not as the last apply
	// left them (verify), from the manifest's hashes.
	Drift []plan.Drift `json:"drift,omitempty"`
	// Recorded is how many files the last apply recorded (verify).
	Recorded int `json:"recorded,omitempty"`
	// Recovered says what the run did about an earlier run that was killed
	// (rolled back or finished, temporary files removed).
	Recovered string `json:"recovered,omitempty"`
	// Probes are the results of verify -probe, per URL and consumer.
	Probes []probe.Result `json:"probes,omitempty"`
	Exit   int            `json:"exit"` // the exit status

	warningsShown bool   // the text says how many warnings there are instead of repeating them
	document      []byte // plan -format cloud-config: printed instead of the report
}

// ProxyReport is the settings as the report shows them, credentials redacted.
type ProxyReport struct {
	HTTP    string `json:"http_proxy,omitempty"`
	HTTPS   string `json:"https_proxy,omitempty"`
	NoProxy string `json:"no_proxy,omitempty"`
}

// FileReport is one managed file.
type FileReport struct {
	Path    string   `json:"path"`
	Real    string   `json:"real,omitempty"` // the file a link leads to
	Why     []string `json:"why"`
	Status  string   `json:"status"` // "ok" (as planned), "create", "change" (plan, verify); "created", "written" (apply); "restored", "removed" (undo)
	Mode    string   `json:"mode,omitempty"`
	Secret  bool     `json:"secret,omitempty"`
	Actions []string `json:"actions,omitempty"`
}

// ActionReport is one follow-up command.
type ActionReport struct {
	Name   string   `json:"name"`
	Argv   []string `json:"argv"`
	Status string   `json:"status"` // "pending" (plan), "ran", "skipped", "failed", "not run"
	Reason string   `json:"reason,omitempty"`
}

func (r *Report) describe(cfg *Config) {
	s := cfg.Settings
	pr := &ProxyReport{NoProxy: s.NoProxy.String()}
	if s.HTTPProxy != nil {
		pr.HTTP = s.HTTPProxy.String()
	}
	if s.HTTPSProxy != nil {
		pr.HTTPS = s.HTTPSProxy.String()
	}
	r.Proxy = pr
}

// verified records what verify found against the manifest.
func (r *Report) verified(v *plan.Verification) {
	r.Drift = v.Drift
	r.Recorded = len(v.Files)
	if len(v.Drift) > 0 {
		r.Exit = ExitPending
	}
}

// changes records the computed changes: plan and verify show them pending.
func (r *Report) changes(ch *plan.Changes) {
	r.Files = r.Files[:0]
	for i := range ch.Files {
		f := &ch.Files[i]
		status := "ok"
		switch {
		case f.Created():
			status = "create"
		case f.Changed():
			status = "change"
		}
		fr := FileReport{Path: f.Path, Why: f.Why, Status: status, Mode: fmt.Sprintf("%04o", f.Mode.Perm()), Secret: f.Secret, Actions: f.Actions}
		if f.Real != f.Path {
			fr.Real = f.Real
		}
		r.Files = append(r.Files, fr)
	}
	r.Actions = r.Actions[:0]
	for _, a := range ch.Actions() {
		r.Actions = append(r.Actions, ActionReport{Name: a.Name, Argv: a.Argv, Status: "pending"})
	}
}

// count returns how many files have one of the statuses.
func (r *Report) count(statuses ...string) int {
	n := 0
	for _, f := range r.Files {
		for _, s := range statuses {
			if f.Status == s {
				n++
			}
		}
	}
	return n
}

// write prints the report: with asJSON, one JSON object on stdout that holds
// everything, notes and warnings included; as text, the report on stdout
// and its notes and warnings on stderr, as "NAME: note: …" and
// "NAME: warning: …", so that stdout holds the diff or the result alone.
func (r *Report) write(stdout, stderr io.Writer, asJSON bool) error {
	if r.Files == nil {
		r.Files = []FileReport{}
	}
	if r.Actions == nil {
		r.Actions = []ActionReport{}
	}
	if r.Warnings == nil {
		r.Warnings = []Warning{}
	}
	if asJSON {
		e := json.NewEncoder(stdout)
		e.SetIndent("", "  ")
		return e.Encode(r)
	}
	var b strings.Builder
	r.notes(&b)
	if _, err := io.WriteString(stderr, b.String()); err != nil {
		return err
	}
	b.Reset()
	r.text(&b)
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return err
	}
	b.Reset()
	r.warnings(&b)
	r.leftText(&b)
	_, err := io.WriteString(stderr, b.String())
	return err
}

// notes writes the notes for stderr: the first says what the node is.
func (r *Report) notes(b *strings.Builder) {
	for i, n := range r.Notes {
		label := "note"
		if i == 0 && r.Command != CmdUndo {
			label = "node"
		}
		fmt.Fprintf(b, "%s: %s: %s\n", r.Program, label, n)
	}
}

// warnings writes the warnings for stderr.
func (r *Report) warnings(b *strings.Builder) {
	if r.warningsShown && len(r.Warnings) > 0 {
		fmt.Fprintf(b, "%s: (the %d warnings shown above still apply)\n", r.Program, len(r.Warnings))
		return
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(b, "%s: warning: %s\n", r.Program, w)
	}
}

// leftText writes the stores left for stderr, one line each, and what the
// exit status means.
func (r *Report) leftText(b *strings.Builder) {
	for _, l := range r.Left {
		fmt.Fprintf(b, "%s: left: %s: %s\n", r.Program, l.Path, l.Reason)
	}
	if len(r.Left) > 0 && r.Command != CmdVerify {
		fmt.Fprintf(b, "%s: incomplete: %d trust stores left unchanged (exit status 3); fix each, or leave it out with -skip PATH\n", r.Program, len(r.Left))
	}
}

// text writes the report for stdout: what was found, the diff or the
// result, and the summary.
func (r *Report) text(b *strings.Builder) {
	fmt.Fprintf(b, "%s %s: root %s\n", r.Program, r.Command, r.Root)
	if p := r.Proxy; p != nil {
		if p.HTTP == p.HTTPS {
			fmt.Fprintf(b, "  proxy: %s (http and https)\n", p.HTTP)
		} else {
			if p.HTTP != "" {
				fmt.Fprintf(b, "  http proxy:  %s\n", p.HTTP)
			}
			if p.HTTPS != "" {
				fmt.Fprintf(b, "  https proxy: %s\n", p.HTTPS)
			}
		}
		if p.NoProxy != "" {
			fmt.Fprintf(b, "  no proxy: %s\n", p.NoProxy)
		}
	}
	if r.Recovered != "" {
		fmt.Fprintf(b, "  recovered: %s\n", r.Recovered)
	}
	b.WriteString("\n")
	switch r.Command {
	case CmdPlan:
		if r.Diff != "" {
			b.WriteString(r.Diff)
			if !strings.HasSuffix(r.Diff, "\n") {
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
		if n := r.count("create", "change"); n > 0 {
			fmt.Fprintf(b, "%d of %d files to change (%d new)", n, len(r.Files), r.count("create"))
			r.actionsLine(b)
			fmt.Fprintf(b, "; run '%s apply' to apply\n", r.Program)
		} else {
			fmt.Fprintf(b, "nothing to do: all %d files are as planned\n", len(r.Files))
		}
	case CmdVerify:
		if len(r.Probes) > 0 {
			r.probeText(b)
			break
		}
		n := r.count("create", "change")
		drifted := map[string]bool{}
		for _, f := range r.Files {
			if f.Status != "ok" {
				fmt.Fprintf(b, "drift: %s (%s)\n", f.Path, strings.Join(f.Why, "; "))
				drifted[f.Path], drifted[f.Real] = true, true
			}
		}
		k := 0
		for _, d := range r.Drift {
			if drifted[d.Path] {
				continue
			}
			k++
			why := ""
			if len(d.Why) > 0 {
				why = " (" + strings.Join(d.Why, "; ") + ")"
			}
			fmt.Fprintf(b, "drift: %s: %s%s\n", d.Path, driftText[d.Problem], why)
		}
		switch {
		case n > 0:
			fmt.Fprintf(b, "%d of %d files drifted from the settings; run '%s plan' to see how\n", n+k, len(r.Files), r.Program)
		case k > 0:
			fmt.Fprintf(b, "%d of %d files changed since the last apply; run '%s apply' with the settings to put them back\n", k, r.Recorded, r.Program)
		case r.Proxy != nil:
			fmt.Fprintf(b, "no drift: all %d files are as the settings want them\n", len(r.Files))
		default:
			fmt.Fprintf(b, "no drift: all %d files are as the last apply left them\n", r.Recorded)
		}
	case CmdApply, CmdUndo:
		for _, f := range r.Files {
			if f.Status != "ok" {
				fmt.Fprintf(b, "%-8s %s\n", f.Status, f.Path)
			}
		}
		for _, a := range r.Actions {
			line := fmt.Sprintf("%-8s %s", a.Status, strings.Join(a.Argv, " "))
			if a.Reason != "" {
				line += " (" + a.Reason + ")"
			}
			b.WriteString(line + "\n")
		}
		ran := 0
		for _, a := range r.Actions {
			if a.Status == "ran" {
				ran++
			}
		}
		if r.Command == CmdUndo {
			left := ""
			if n := r.count("left"); n > 0 {
				left = fmt.Sprintf(", %d left", n)
			}
			fmt.Fprintf(b, "undo: %d files restored, %d removed%s, %d actions run\n", r.count("restored"), r.count("removed"), left, ran)
		} else {
			fmt.Fprintf(b, "apply: %d files written, %d actions run\n", r.count("created", "written"), ran)
		}
	}
}

func (r *Report) actionsLine(b *strings.Builder) {
	if len(r.Actions) == 0 {
		return
	}
	names := make([]string, len(r.Actions))
	for i, a := range r.Actions {
		names[i] = strings.Join(a.Argv, " ")
	}
	fmt.Fprintf(b, ", then %s", strings.Join(names, "; "))
}

// driftText says what a drift found by verify means.
var driftText = map[string]string{
	"changed":  "changed since the last apply",
	"missing":  "removed since the last apply",
	"restored": "holds its content from before apply again",
}
