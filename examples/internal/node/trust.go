package node

// CAOptions say where, besides the stores discovery finds, the CA goes.
type CAOptions struct {
	// Bundles are PEM bundles (root-relative paths or globs) to add the CA
	// to when they exist, besides those of -bundle.
	Bundles []string
}

// AddCA plans the CAs of the configuration into every trust store of the
// node.
func AddCA(n *Node, o CAOptions) error { return nil }
