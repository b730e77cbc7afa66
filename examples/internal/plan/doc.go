// Package plan is the engine of proxykit's example programs: a plan of edits
// to files under a root, shown as a redacted diff, applied atomically,
// confined to the root, and reversible.
//
// Reach first for [Open], then build a [Plan] of [Step]s, each an [Edit] of
// one file — the func(old []byte) ([]byte, error) that every proxykit
// package returns — and compute it:
//
//	t, err := plan.Open("/")                  // or a chroot, an image tree
//	defer t.Close()
//	var p plan.Plan
//	p.AddAction(plan.Action{Name: "daemon-reload", Argv: []string{"systemctl", "daemon-reload"}})
//	p.Add(plan.Step{Path: "etc/systemd/system/docker.service.d/proxy.conf",
//		Edit: edit, Secret: true, Why: "proxy for the Docker daemon",
//		Actions: []string{"daemon-reload"}})
//	p.AddSecret(password)
//	ch, err := t.Compute(&p)                  // reads, runs the edits; writes nothing
//	fmt.Print(ch.Diff())                      // unified diff, every secret masked
//	rep, err := t.Apply(ctx, ch, plan.Exec{}) // atomic writes, manifest, actions
//	undo, err := t.ComputeUndo(password)      // what undo would do; undo.Diff()
//	v, err := t.Verify(ctx)                   // drift since the apply, no secret needed
//	rep, err = t.Undo(ctx, plan.Exec{})       // back to before the first apply
//
// # Guarantees
//
//   - Confinement: every path is relative to the root and every access goes
//     through an [os.Root], which refuses to leave it even if the tree
//     changes underneath. Symbolic links are followed as in a chroot (an
//     absolute target starts at the root, ".." stops at it, 40 links at
//     most); a step through a link edits the file it leads to and keeps the
//     link. A directory, device or FIFO where a file is expected is an
//     [ErrNotRegular] error, never read. A step's path may not hold "..".
//   - Review what you apply: [Changes] hold the old and new bytes; [Target.Apply]
//     refuses ([ErrStale]) when a file changed since [Target.Compute].
//   - Atomic, whole files: a write is an exclusive temporary file beside the
//     target, created 0600 (a wider mode is set after the rename, so a
//     temporary file never shows a secret to other users), written, synced,
//     renamed over it, and the directory synced. An existing file keeps its
//     mode and owner; a new one gets the step's mode (0600 for a secret,
//     0644 otherwise); missing parent directories are created (0755).
//   - All or nothing: before writing, Apply (and Undo) record in a journal
//     beside the manifest each file's state before the run and every
//     temporary name the run may create. When a file cannot be written, the
//     files already written are put back and an [*ApplyError] says what
//     failed and that nothing changed. A run commits by storing the
//     manifest; the next run (or [Target.Recover]) rolls back a killed run
//     that had not committed, finishes one that had, removes the temporary
//     files it left, and says so ([Report.Recovered]).
//   - Idempotence: Compute runs each edit twice and refuses one that does not
//     settle ([ErrNotIdempotent]); a second Apply writes nothing — not even
//     the manifest — and runs no action (unless one is still pending).
//   - Undo: Apply records each file's old bytes, mode, owner, modification
//     time and link count, the directories it creates, and a hash of what it
//     wrote, in a manifest under the root ([DefaultManifest], 0600 in a 0700
//     directory: old files may hold secrets). The manifest accumulates over
//     applies, keeping each file's state from before the first apply that
//     changed it: Undo returns the root to how it was before proxykit
//     touched it, byte for byte, however many applies came between, which
//     is what "take it back" means on a node. Undo restores each file it
//     can, leaves one someone else changed since ([ErrModified], kept in the
//     manifest) unless forced, and removes the manifest once every file is
//     back. [Target.Verify] compares the files with the hashes, without the
//     plan or its secrets.
//   - Actions: an [Action] runs only when a file whose step names it
//     changed, once per Apply, in plan order, after every file is written,
//     through a [Runner]: [Exec] for real, [Recorder] in tests, [NoActions]
//     to run nothing. The manifest records pending actions before the files
//     are written, so an action is never lost to a crash or a failure: the
//     next Apply (or Undo) runs what is still pending. An action may thus
//     run twice, never zero times.
//   - One run at a time: Apply and Undo hold an exclusive flock on the root
//     directory, waiting up to [WithLockWait] before failing with
//     [ErrLocked].
//   - Secrets: [Changes.Diff] masks every value of [Plan.Secrets] and
//     every credential the old or the new content of a file holds, whoever
//     wrote it (URL passwords, yum's proxy_password, config.json's auths
//     and tokens, keystore passwords: internal/redact's Find), raw,
//     percent-encoded (URL userinfo, path, query, every byte), base64, and
//     under up to two layers of quoting: systemd's quoted words with %% and
//     $$, JSON, C and Go quotes, shell single and double quotes and
//     backslash escapes, Java properties, YAML, XML — so that a password
//     inside Java options inside a unit file is masked too. Only the files'
//     lines are masked, never the diff's own sentences; [Changes.Mask]
//     masks a value a program shows beside the diff. A failed action's
//     command line and output are masked the same way.
//     The engine's own errors name paths, never content.
//
// Errors: [*FileError] names the file of a failed read, edit or check;
// [*ApplyError] lists what a failed Apply did and did not write;
// [*ActionError] keeps a failed command's output; the sentinels
// ([ErrStale], [ErrLocked], …) say what to do next.
//
// The engine does not delete files, keep hard links (a rename replaces the
// link with a new file; Undo warns about it), or keep extended attributes
// and SELinux labels.
package plan
