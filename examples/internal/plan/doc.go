// Package plan is the engine of proxykit's example programs: a plan of edits
// to files under a root, shown as a redacted diff, applied atomically,
// confined to the root, and reversible.
package plan
