package jvmflags_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/jvmflags"
)

var proxyPatch = jvmflags.Patch{Set: []jvmflags.Property{
	{Key: "http.proxyHost", Value: "proxy.corp"},
	{Key: "http.proxyPort", Value: "3128"},
	{Key: "https.proxyHost", Value: "proxy.corp"},
	{Key: "https.proxyPort", Value: "3128"},
	{Key: "http.nonProxyHosts", Value: "localhost|127.*|*.corp"},
	jvmflags.AllowTunnelingSchemes(),
}}

func TestPatchApply(t *testing.T) {
	tests := []struct {
		name  string
		patch jvmflags.Patch
		argv  []string
		want  []string
		kept  []jvmflags.Property
	}{
		{
			name:  "dcos cosmos: before -classpath, owner's NTLM kept, app args untouched",
			patch: withBefore(proxyPatch, "-classpath", "-cp"),
			argv:  cosmos,
			want: concat(concat(cosmos[:6],
				"-Dhttp.proxyHost=proxy.corp", "-Dhttp.proxyPort=3128",
				"-Dhttps.proxyHost=proxy.corp", "-Dhttps.proxyPort=3128",
				"-Dhttp.nonProxyHosts=localhost|127.*|*.corp"),
				cosmos[6:]...),
			kept: []jvmflags.Property{{Key: "jdk.http.auth.tunneling.disabledSchemes", Value: "NTLM", Keep: true}},
		},
		{
			name:  "-jar service: flags go before -jar",
			patch: proxyPatch,
			argv:  words("/usr/bin/java -Xms256m -jar /opt/app/app.jar --server.port=8080"),
			want: words("/usr/bin/java -Xms256m -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 " +
				"-Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=localhost|127.*|*.corp " +
				"-Djdk.http.auth.tunneling.disabledSchemes= -jar /opt/app/app.jar --server.port=8080"),
		},
		{
			name:  "existing proxy flags replaced, not duplicated, wherever they were",
			patch: jvmflags.Patch{Set: proxyPatch.Set[:2]},
			argv:  words("java -Dhttp.proxyHost=old -Xmx1g -jar -Dhttp.proxyPort=80 -Dhttp.proxyHost app.jar -Dhttp.proxyHost=app-arg"),
			want:  words("java -Xmx1g -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 -jar app.jar -Dhttp.proxyHost=app-arg"),
		},
		{
			name:  "module launch: flags go before -m",
			patch: jvmflags.Patch{Set: proxyPatch.Set[:1]},
			argv:  words("java -p mods --add-modules a -m app/app.Main -Dx"),
			want:  words("java -p mods --add-modules a -Dhttp.proxyHost=proxy.corp -m app/app.Main -Dx"),
		},
		{
			name:  "--module= launch",
			patch: jvmflags.Patch{Set: proxyPatch.Set[:1]},
			argv:  words("java --module=app"),
			want:  words("java -Dhttp.proxyHost=proxy.corp --module=app"),
		},
		{
			name:  "anchor missing: falls back to the main class",
			patch: withBefore(jvmflags.Patch{Set: proxyPatch.Set[:1]}, "-classpath"),
			argv:  words("java -cp a.jar Main"),
			want:  words("java -cp a.jar -Dhttp.proxyHost=proxy.corp Main"),
		},
		{
			name:  "Keep property absent from the command line is set",
			patch: jvmflags.Patch{Set: []jvmflags.Property{jvmflags.AllowTunnelingSchemes()}},
			argv:  words("java Main"),
			want:  words("java -Djdk.http.auth.tunneling.disabledSchemes= Main"),
		},
		{
			name:  "Keep property first in the set and absent: a second run keeps the order",
			patch: jvmflags.Patch{Set: []jvmflags.Property{jvmflags.AllowTunnelingSchemes(), {Key: "a", Value: "1"}}},
			argv:  words("java Main"),
			want:  words("java -Djdk.http.auth.tunneling.disabledSchemes= -Da=1 Main"),
		},
		{
			name:  "Keep property already set to the kept value stays where it was",
			patch: withBefore(proxyPatch, "-classpath", "-cp"),
			argv:  words("java -Djdk.http.auth.tunneling.disabledSchemes= -Xmx1g -Dhttp.proxyHost=old -cp x Main"),
			want: words("java -Djdk.http.auth.tunneling.disabledSchemes= -Xmx1g -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 " +
				"-Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=localhost|127.*|*.corp -cp x Main"),
		},
		{
			name:  "Keep property with the kept value, set twice: both stay",
			patch: jvmflags.Patch{Set: []jvmflags.Property{{Key: "a", Value: "1"}, jvmflags.AllowTunnelingSchemes()}},
			argv:  words("java -Djdk.http.auth.tunneling.disabledSchemes=NTLM -Xmx1g -Djdk.http.auth.tunneling.disabledSchemes -Xss1m Main"),
			want:  words("java -Djdk.http.auth.tunneling.disabledSchemes=NTLM -Xmx1g -Djdk.http.auth.tunneling.disabledSchemes -Xss1m -Da=1 Main"),
		},
		{
			name:  "Keep property with the kept value just before the anchor: flags before it in Set go before it",
			patch: withBefore(proxyPatch, "-classpath", "-cp"),
			argv:  words("java -Xmx1g -Djdk.http.auth.tunneling.disabledSchemes= -cp x Main"),
			want: words("java -Xmx1g -Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=3128 -Dhttps.proxyHost=proxy.corp " +
				"-Dhttps.proxyPort=3128 -Dhttp.nonProxyHosts=localhost|127.*|*.corp -Djdk.http.auth.tunneling.disabledSchemes= -cp x Main"),
		},
		{
			name:  "Keep property with the kept value first in Set, just before the terminal",
			patch: jvmflags.Patch{Set: []jvmflags.Property{jvmflags.AllowTunnelingSchemes(), {Key: "a", Value: "1"}, {Key: "b", Value: "2"}}},
			argv:  words("java -Db=0 -Djdk.http.auth.tunneling.disabledSchemes= -Da=0 Main"),
			want:  words("java -Djdk.http.auth.tunneling.disabledSchemes= -Da=1 -Db=2 Main"),
		},
		{
			name:  "Keep false replaces the owner's value",
			patch: jvmflags.Patch{Set: []jvmflags.Property{{Key: "jdk.http.auth.tunneling.disabledSchemes"}}},
			argv:  words("java -Djdk.http.auth.tunneling.disabledSchemes=NTLM Main"),
			want:  words("java -Djdk.http.auth.tunneling.disabledSchemes= Main"),
		},
		{
			name:  "remove every copy, keep the rest and the app args",
			patch: jvmflags.Patch{Remove: jvmflags.ProxyKeys},
			argv:  words("java -Dhttp.proxyHost=p -Dhttp.proxyHostX=keep -Dhttps.proxyPort=1 -cp x Main -Dhttp.proxyHost=q"),
			want:  words("java -Dhttp.proxyHostX=keep -cp x Main -Dhttp.proxyHost=q"),
		},
		{
			name:  "zero patch changes nothing",
			argv:  cosmos,
			want:  cosmos,
			patch: jvmflags.Patch{},
		},
		{
			name: "values with spaces, quotes and shell characters are single words",
			patch: jvmflags.Patch{Set: []jvmflags.Property{
				{Key: "a", Value: `x y 'q' "d" | * % $HOME \`},
			}},
			argv: words("java Main"),
			want: []string{"java", `-Da=x y 'q' "d" | * % $HOME \`, "Main"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kept, err := tt.patch.Apply(tt.argv)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.kept, kept)

			again, kept2, err := tt.patch.Apply(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "applying twice equals applying once")
			assert.Equal(t, kept, kept2)

			c, err := jvmflags.ParseCommand(got)
			require.NoError(t, err)
			in, _ := jvmflags.ParseCommand(tt.argv)
			assert.Equal(t, in.Args(), c.Args(), "application arguments untouched")
			assert.Equal(t, in.Main().Value, c.Main().Value)
			for _, p := range tt.patch.Set {
				v, ok := c.Property(p.Key)
				assert.True(t, ok, p.Key)
				if !slices.ContainsFunc(kept, func(k jvmflags.Property) bool { return k.Key == p.Key }) {
					assert.Equal(t, p.Value, v, p.Key)
				}
			}
		})
	}
}

func TestPatchApplyErrors(t *testing.T) {
	tests := []struct {
		name  string
		patch jvmflags.Patch
		argv  []string
		err   error
	}{
		{"empty key", jvmflags.Patch{Set: []jvmflags.Property{{Key: ""}}}, words("java Main"), jvmflags.ErrKey},
		{"= in key", jvmflags.Patch{Set: []jvmflags.Property{{Key: "a=b"}}}, words("java Main"), jvmflags.ErrKey},
		{"key set twice", jvmflags.Patch{Set: []jvmflags.Property{{Key: "a"}, {Key: "a"}}}, words("java Main"), jvmflags.ErrKey},
		{"bad remove key", jvmflags.Patch{Remove: []string{""}}, words("java Main"), jvmflags.ErrKey},
		{"NUL in value", jvmflags.Patch{Set: []jvmflags.Property{{Key: "a", Value: "\x00"}}}, words("java Main"), jvmflags.ErrValue},
		{"wrapper", proxyPatch, []string{"sh", "-c", "java Main"}, jvmflags.ErrNotJava},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kept, err := tt.patch.Apply(tt.argv)
			require.ErrorIs(t, err, tt.err)
			assert.Nil(t, got)
			assert.Nil(t, kept)
		})
	}
}

func TestPatchApplyDoesNotModifyInput(t *testing.T) {
	argv := slices.Clone(cosmos)
	_, _, err := withBefore(proxyPatch, "-classpath").Apply(argv)
	require.NoError(t, err)
	assert.Equal(t, cosmos, argv)
}

func TestPropertyStringRedactsSecret(t *testing.T) {
	p := jvmflags.Property{Key: "javax.net.ssl.trustStorePassword", Value: "s3cret", Secret: true}
	assert.Equal(t, "-Djavax.net.ssl.trustStorePassword=xxxxx", p.String())
	assert.Equal(t, "-Djavax.net.ssl.trustStorePassword=s3cret", p.Flag())
}

func withBefore(p jvmflags.Patch, before ...string) jvmflags.Patch {
	p.Before = before
	return p
}

func concat(head []string, mid ...string) []string {
	return append(slices.Clone(head), mid...)
}

func BenchmarkPatchApplyCosmos(b *testing.B) {
	patch := withBefore(proxyPatch, "-classpath")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := patch.Apply(cosmos); err != nil {
			b.Fatal(err)
		}
	}
}
