// Package redact masks credentials in text that is shown to a person: diffs,
// notes, a failed command's output. Reach for [New] with the credentials a
// program knows, and [Find] for those a file already holds, whoever wrote
// them; [Masker.Mask] then replaces each of them, in every encoding a
// consumer's file may hold it, with [Marker].
//
// The package knows text, not formats: it has no parser of its own beyond
// JSON, and it imports none of the module's domain packages, so the
// programs' engine can mask without depending on them.
package redact
