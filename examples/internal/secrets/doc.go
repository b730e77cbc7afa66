// Package secrets holds no code: its test runs both programs, every
// subcommand and output format, with hostile passwords and old credentials
// already on the node, and checks that no form of a password reaches any
// output while every file written decodes to it with its consumer's own
// reader.
package secrets
