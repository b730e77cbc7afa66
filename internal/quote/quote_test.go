package quote_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/proxykit/proxykit/internal/quote"
)

func TestBounded(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"short input unchanged", "proxy.corp", "proxy.corp"},
		{"exactly Max unchanged", strings.Repeat("a", quote.Max), strings.Repeat("a", quote.Max)},
		{"long input cut and marked", strings.Repeat("a", quote.Max+1), strings.Repeat("a", quote.Max) + "…"},
		{"cut on a rune boundary", strings.Repeat("a", quote.Max-1) + "é" + "tail", strings.Repeat("a", quote.Max-1) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := quote.Bounded(tc.in)
			assert.Equal(t, tc.want, got)
			assert.True(t, utf8.ValidString(got))
		})
	}
}
