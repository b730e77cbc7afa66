package node

// AppendTo is a [flag.FlagSet.Func] that appends each non-blank value, its
// blanks trimmed, to l: the programs' repeatable flags.
func AppendTo(l *[]string) func(string) error { return appendTo(l) }

// Get returns the environment variable k, from e.Getenv or the process's.
func (e Env) Get(k string) string { return e.getenv(k) }

// Read returns the content of the file name, from e.ReadFile or the disk.
func (e Env) Read(name string) ([]byte, error) { return e.readFile(name) }
