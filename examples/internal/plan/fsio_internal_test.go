package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// read is given resolved paths; should the last element become a link
// after resolving, it refuses rather than follow it.
func TestReadDoesNotFollowALastLink(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644))
	require.NoError(t, os.Symlink("file", filepath.Join(dir, "link")))
	tg, err := Open(dir)
	require.NoError(t, err)
	defer tg.Close()
	_, err = tg.read("link")
	require.ErrorIs(t, err, ErrNotRegular)
	st, err := tg.read("file")
	require.NoError(t, err)
	require.Equal(t, "x", string(st.data))
	st, err = tg.read("missing")
	require.NoError(t, err)
	require.False(t, st.exists)
}

// write refuses to follow a link planted at its temporary name... by
// removing it first: the link goes, its target stays.
func TestWriteRemovesAPlantedTemporaryLink(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.WriteFile(outside, []byte("victim\n"), 0o644))
	require.NoError(t, os.Symlink("/"+outside, filepath.Join(dir, tempName("f"))))
	tg, err := Open(dir)
	require.NoError(t, err)
	defer tg.Close()
	require.NoError(t, tg.write("f", []byte("new\n"), 0o644, -1, -1))
	b, err := os.ReadFile(outside)
	require.NoError(t, err)
	require.Equal(t, "victim\n", string(b))
	b, err = os.ReadFile(filepath.Join(dir, "f"))
	require.NoError(t, err)
	require.Equal(t, "new\n", string(b))
}
