// Package jvmflags places Java system properties (-D flags) in a JVM command
// line and in JAVA_TOOL_OPTIONS.
package jvmflags
