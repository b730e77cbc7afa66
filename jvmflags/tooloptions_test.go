package jvmflags_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
)

func TestParseToolOptions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only white space", " \t\n\v\f\r", nil},
		{"plain words", "-Xmx1g  -Da=b\t-Dc=d\n", []string{"-Xmx1g", "-Da=b", "-Dc=d"}},
		{"single quotes keep spaces", "-Da='x y'", []string{"-Da=x y"}},
		{"double quotes keep spaces", `"-Da=x y"`, []string{"-Da=x y"}},
		{"quotes concatenate", `-Da='x'"y"z`, []string{"-Da=xyz"}},
		{"the other quote is literal", `-Da="it's" -Db='say "hi"'`, []string{"-Da=it's", `-Db=say "hi"`}},
		{"no escapes", `-Da=x\y -Db='\'`, []string{`-Da=x\y`, `-Db=\`}},
		{"empty quotes are an empty word", `'' -Da=`, []string{"", "-Da="}},
		{"newline inside quotes", "-Da='x\ny'", []string{"-Da=x\ny"}},
		{"shell characters are plain", "-Da=$HOME|*%;&", []string{"-Da=$HOME|*%;&"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jvmflags.ParseToolOptions(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseToolOptionsErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		err    error
		offset int
	}{
		{"unclosed single quote", "-Da=b -Dc='x y", jvmflags.ErrQuote, 10},
		{"unclosed double quote", `"`, jvmflags.ErrQuote, 0},
		{"NUL", "-Da=\x00", jvmflags.ErrValue, 4},
		{"value not quoted in the error", "-Dpw='s3cret", jvmflags.ErrQuote, 5},
		{"quoted option, value not in the error", "'-Dpw=s3cret", jvmflags.ErrQuote, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jvmflags.ParseToolOptions(tt.in)
			require.ErrorIs(t, err, tt.err)
			var te *jvmflags.ToolOptionsError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.offset, te.Offset)
			assert.NotContains(t, err.Error(), "s3cret")
		})
	}
}

func TestFormatToolOptions(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"plain", []string{"-Xmx1g", "-Dhttp.nonProxyHosts=localhost|*.corp"}, "-Xmx1g -Dhttp.nonProxyHosts=localhost|*.corp"},
		{"space quotes the value only", []string{"-Da=x y"}, "-Da='x y'"},
		{"single quote: double quotes", []string{"-Da=it's"}, `-Da="it's"`},
		{"both quotes: runs", []string{`-Da=it's "x"`}, `-Da='it'"'"'s "x"'`},
		{"quote in the key: whole word quoted", []string{"-Dk'=v"}, `"-Dk'=v"`},
		{"non -D option with space", []string{"-javaagent:/opt/a b.jar"}, "'-javaagent:/opt/a b.jar'"},
		{"empty word", []string{""}, "''"},
		{"empty value", []string{"-Da="}, "-Da="},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jvmflags.FormatToolOptions(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			back, err := jvmflags.ParseToolOptions(got)
			require.NoError(t, err)
			if len(tt.in) == 0 {
				assert.Empty(t, back)
			} else {
				assert.Equal(t, tt.in, back)
			}
		})
	}
	_, err := jvmflags.FormatToolOptions([]string{"-Da=\x00"})
	require.ErrorIs(t, err, jvmflags.ErrValue)
}

func TestPatchApplyToolOptions(t *testing.T) {
	tests := []struct {
		name  string
		patch jvmflags.Patch
		in    string
		want  string
		kept  []jvmflags.Property
	}{
		{
			name:  "empty variable",
			patch: jvmflags.Patch{Set: proxyPatch.Set[:2]},
			in:    "",
			want:  "-Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128",
		},
		{
			name:  "other options kept in place, old proxy flags replaced",
			patch: jvmflags.Patch{Set: proxyPatch.Set[:2]},
			in:    "-Dhttp.proxyHost=old -javaagent:'/opt/a b.jar' -Xmx1g -Dhttp.proxyPort=1",
			want:  "'-javaagent:/opt/a b.jar' -Xmx1g -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128",
		},
		{
			name:  "owner's value kept",
			patch: jvmflags.Patch{Set: []jvmflags.Property{jvmflags.AllowTunnelingSchemes()}},
			in:    `-Djdk.http.auth.tunneling.disabledSchemes="NTLM"`,
			want:  "-Djdk.http.auth.tunneling.disabledSchemes=NTLM",
			kept:  []jvmflags.Property{{Key: "jdk.http.auth.tunneling.disabledSchemes", Value: "NTLM", Keep: true}},
		},
		{
			name:  "Keep property already set to the kept value stays where it was",
			patch: proxyPatch,
			in:    "-Djdk.http.auth.tunneling.disabledSchemes= -Xss1m",
			want: "-Djdk.http.auth.tunneling.disabledSchemes= -Xss1m -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 " +
				"-Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=localhost|127.*|*.corp",
		},
		{
			name:  "Keep property with the kept value last: the flags before it in Set go before it",
			patch: proxyPatch,
			in:    "-Xss1m -Dhttp.proxyHost=old -Djdk.http.auth.tunneling.disabledSchemes=",
			want: "-Xss1m -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 -Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=3128 " +
				"-Dhttp.nonProxyHosts=localhost|127.*|*.corp -Djdk.http.auth.tunneling.disabledSchemes=",
		},
		{
			name:  "remove",
			patch: jvmflags.Patch{Remove: jvmflags.ProxyKeys},
			in:    "-Dhttps.proxyHost=p -Dhttps.proxyPort=1 -Dother=1",
			want:  "-Dother=1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kept, err := tt.patch.ApplyToolOptions(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.kept, kept)
			again, _, err := tt.patch.ApplyToolOptions(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "applying twice equals applying once")
		})
	}
	_, _, err := proxyPatch.ApplyToolOptions("-Da='")
	require.ErrorIs(t, err, jvmflags.ErrQuote)
}

func BenchmarkApplyToolOptions(b *testing.B) {
	in := `-Xss1m -Dhttp.proxyHost=old '-javaagent:/opt/a b.jar' -Dapp.title="it's"`
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := proxyPatch.ApplyToolOptions(in); err != nil {
			b.Fatal(err)
		}
	}
}
