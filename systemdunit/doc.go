// Package systemdunit reads systemd unit files and drop-ins exactly as
// systemd reads them, and edits them without losing the user's formatting.
package systemdunit
