package jvmflags

import (
	"fmt"
	"slices"
	"strings"

	"github.com/proxykit/proxykit/internal/quote"
	"github.com/proxykit/proxykit/proxyenv"
)

// Property is a Java system property as a -D flag sets it.
type Property struct {
	Key   string // e.g. "http.proxyHost"; not empty, no '=' or NUL
	Value string // any text without NUL; "" sets the empty value (-Dkey=)
	// Keep leaves a value the command line already sets for Key as it is:
	// for a property the service owner chose deliberately, such as DC/OS's
	// -Djdk.http.auth.tunneling.disabledSchemes=NTLM. Where the command line
	// already sets Key to Value, its flag stays where it is too. Where the
	// command line does not set Key, the property is set as usual.
	Keep bool
	// Secret marks a credential (a trust store password): String prints
	// the value as [proxyenv.Redacted].
	Secret bool
}

// Flag returns the command-line word "-Dkey=value", secret included.
func (p Property) Flag() string { return "-D" + p.Key + "=" + p.Value }

// String returns the flag with a secret value redacted.
func (p Property) String() string {
	if p.Secret && p.Value != "" {
		return "-D" + p.Key + "=" + proxyenv.Redacted
	}
	return p.Flag()
}

func (p Property) check() error {
	if p.Key == "" || strings.ContainsAny(p.Key, "=\x00") {
		return fmt.Errorf("%w %q", ErrKey, quote.Bounded(p.Key))
	}
	if strings.IndexByte(p.Value, 0) >= 0 {
		return fmt.Errorf("property %s: %w", quote.Bounded(p.Key), ErrValue)
	}
	return nil
}

// ClassPathOptions are the launcher's names for the class path option, for
// [Patch.Before]: the flags then go before the class path, as DC/OS's notes
// place them, or before the main class where there is none.
var ClassPathOptions = []string{"-classpath", "-cp", "--class-path"}

// Patch is a change to the -D flags of a Java command line. The zero Patch
// changes nothing. Apply it with [Patch.Apply] (an argv),
// [Patch.ApplyToolOptions] (a JAVA_TOOL_OPTIONS value) or [Patch.DropIn] (a
// systemd unit's ExecStart=).
type Patch struct {
	// Set lists the properties to set, in the order their flags are written.
	// Every earlier -Dkey=… and -Dkey of the same key is removed (unless the
	// property is Keep and the command line sets it).
	Set []Property
	// Remove lists keys whose -D flags are removed.
	Remove []string
	// Before lists option names (as [Option.Name] gives them, e.g.
	// "-classpath", "-cp") before the first of which the flags are
	// inserted, as DC/OS's notes put them before -classpath. Where none is on
	// the command line, or the list is empty, the flags go just before the
	// terminal ([Main.Index]).
	Before []string
}

func (p Patch) check() error {
	seen := make(map[string]bool)
	for _, q := range p.Set {
		if err := q.check(); err != nil {
			return err
		}
		if seen[q.Key] {
			return fmt.Errorf("property %s set twice: %w", quote.Bounded(q.Key), ErrKey)
		}
		seen[q.Key] = true
	}
	for _, k := range p.Remove {
		if err := (Property{Key: k}).check(); err != nil {
			return err
		}
	}
	return nil
}

// plan decides, for a command line whose properties are given by has, which
// keys to drop, which properties to write (with their index in Set), and
// which Keep properties stay as they are: kept lists those the command line
// sets to another value (with the value found); stay holds, by key, the
// index in Set of those it already sets to the wanted value. Both stay where
// they are on the command line.
func (p Patch) plan(has func(key string) (string, bool)) (drop map[string]bool, write []placed, kept []Property, stay map[string]int) {
	drop = make(map[string]bool)
	stay = make(map[string]int)
	for _, k := range p.Remove {
		drop[k] = true
	}
	for i, q := range p.Set {
		if q.Keep {
			if v, ok := has(q.Key); ok {
				if v != q.Value {
					q.Value = v
					kept = append(kept, q)
				} else {
					stay[q.Key] = i
				}
				delete(drop, q.Key)
				continue
			}
		}
		drop[q.Key] = true
		write = append(write, placed{Property: q, set: i})
	}
	return drop, write, kept, stay
}

// placed is a property to write with its index in [Patch.Set].
type placed struct {
	Property
	set int
}

// place decides where each flag of write goes among the n items of a
// command line (launcher options, or the words of JAVA_TOOL_OPTIONS): the
// index of the item it goes before, at (the insertion point) for most.
// prop(i) gives the key of item i when it is a -D flag. A Keep property
// that stays (see [Patch.plan]) keeps its place; where it stands in the run
// of the patch's own flags just before at (flags of keys the patch drops
// apart), the flags that come before it in Set go before it, so that the
// run reads in Set order and a second run changes nothing.
func place(n, at int, prop func(i int) (string, bool), set map[string]bool, drop map[string]bool, stay map[string]int, write []placed) []int {
	type anchor struct{ item, set int }
	var anchors []anchor // in item order
	for i := min(at, n) - 1; i >= 0; i-- {
		k, ok := prop(i)
		if !ok || !set[k] && !drop[k] {
			break
		}
		if si, ok := stay[k]; ok && !drop[k] {
			anchors = append([]anchor{{i, si}}, anchors...)
		}
	}
	out := make([]int, len(write))
	for j, w := range write {
		out[j] = at
		for _, a := range anchors {
			if a.set > w.set {
				out[j] = a.item
				break
			}
		}
	}
	return out
}

// Apply returns argv with the patch made: the -D flags of every key in Set
// and Remove taken out of the launcher options, and the flags of Set
// inserted before the first option named in Before, or else just before the
// terminal. Application arguments are never touched. Applying a patch twice
// gives the same argv as applying it once.
//
// kept lists the Keep properties the command line already sets to another
// value, with that value (the last one, as the JVM reads it); their flags
// are left where they are, as are those of Keep properties it already sets
// to the wanted value. argv is analysed by [ParseCommand], whose errors Apply
// returns.
func (p Patch) Apply(argv []string) (out []string, kept []Property, err error) {
	return p.apply(argv, nil)
}

// apply is Apply where the flags also go before the first option for which
// barrier reports true (a word whose meaning is not known until run time).
func (p Patch) apply(argv []string, barrier func(word string) bool) (out []string, kept []Property, err error) {
	if err := p.check(); err != nil {
		return nil, nil, err
	}
	c, err := ParseCommand(argv)
	if err != nil {
		return nil, nil, err
	}
	drop, write, kept, stay := p.plan(c.Property)
	// at is the index in c.options of the option the flags go before; the
	// options before the terminal when none is named.
	at := 0
	for at < len(c.options) && c.options[at].Index < c.main.Index {
		at++
	}
	for i, o := range c.options[:at] {
		if slices.Contains(p.Before, o.Name()) || barrier != nil && barrier(o.Words[0]) {
			at = i
			break
		}
	}
	prop := func(i int) (string, bool) {
		k, _, ok := c.options[i].Property()
		return k, ok
	}
	where := place(len(c.options), at, prop, p.keys(), drop, stay, write)
	before := make(map[int][]string) // argv index → flags written before it
	for j, w := range write {
		idx := c.main.Index
		if where[j] < len(c.options) && c.options[where[j]].Index < idx {
			idx = c.options[where[j]].Index
		}
		before[idx] = append(before[idx], w.Flag())
	}
	skip := make(map[int]bool)
	for _, o := range c.options {
		if k, _, ok := o.Property(); ok && drop[k] {
			skip[o.Index] = true
		}
	}
	out = make([]string, 0, len(c.argv)+len(write))
	for i, a := range c.argv {
		out = append(out, before[i]...)
		if !skip[i] {
			out = append(out, a)
		}
	}
	return out, kept, nil
}

// keys returns the keys of p.Set.
func (p Patch) keys() map[string]bool {
	set := make(map[string]bool, len(p.Set))
	for _, q := range p.Set {
		set[q.Key] = true
	}
	return set
}

// Flags returns the -D words of props, in order, for a command line or
// [FormatToolOptions].
func Flags(props []Property) []string {
	out := make([]string, len(props))
	for i, p := range props {
		out[i] = p.Flag()
	}
	return out
}
