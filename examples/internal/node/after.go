package node

// Planned returns the bytes the plan's steps for name will leave in it: the
// file's current bytes (nil when missing) through each step's edit, in
// order. nil means the file will not exist.
func (n *Node) Planned(name string) ([]byte, error) {
	b, err := n.ReadFile(name)
	if err != nil {
		b = nil
	}
	for _, s := range n.Plan.Steps {
		if s.Path != name || s.Edit == nil {
			continue
		}
		if b, err = s.Edit(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}
