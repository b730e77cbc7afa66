package jvmflags

// ParseShellEnv reaches parseShellEnv, JavaHomes' reader of environment
// files, from the black-box tests.
var ParseShellEnv = parseShellEnv
