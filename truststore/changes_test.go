package truststore_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

// changeSummary is one line per change and per store left, for comparing
// with a table.
func changeSummary(p truststore.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		line := fmt.Sprintf("change %s %s as %s: %s", c.Kind, c.Path, c.CA.Alias, c.Why)
		if c.Update != nil {
			line += " [" + strings.Join(c.Update, " ") + "]"
		}
		out = append(out, line)
	}
	for _, l := range p.Left {
		out = append(out, fmt.Sprintf("leave %s %s: %s", l.Store.Kind, l.Store.Path, l.Reason))
	}
	for _, k := range p.Skipped {
		out = append(out, fmt.Sprintf("skip %s %s: %s", k.Store.Kind, k.Store.Path, k.Pattern))
	}
	for _, pat := range p.Unmatched {
		out = append(out, "unmatched "+pat)
	}
	return out
}

func TestChangesCoverEveryStoreOfTheNode(t *testing.T) {
	jks, p12 := readKeystore(t, "debian-cacerts.jks"), readKeystore(t, "jdk-cacerts.p12")
	alpha, beta := testCA(t, "Alpha Root CA"), testCA(t, "Beta Root CA")
	rhel := fstest.MapFS{
		"etc/os-release": file([]byte("ID=\"centos\"\n")),
		"etc/pki/ca-trust/extracted/java/cacerts":                 file(jks),
		"etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem":        file(alpha.PEM()),
		"etc/pki/java/cacerts":                                    link("/etc/pki/ca-trust/extracted/java/cacerts"),
		"usr/lib/jvm/jre-11/lib/security/cacerts":                 link("/etc/pki/java/cacerts"),
		"opt/jdk-21/lib/security/cacerts":                         file(p12),
		"opt/app/lib/python3.11/site-packages/certifi/cacert.pem": file(alpha.PEM()),
		"opt/broken/lib/security/cacerts":                         file([]byte("not a keystore at all")),
	}
	tests := []struct {
		name  string
		fsys  fstest.MapFS
		certs []*truststore.Certificate
		opts  truststore.ChangeOptions
		want  []string
	}{
		{
			name:  "RHEL node with a JDK of its own and a bundle",
			fsys:  rhel,
			certs: []*truststore.Certificate{beta},
			opts:  truststore.ChangeOptions{Discovery: truststore.Discovery{Bundles: []string{"opt/app/lib/python3*/site-packages/certifi/cacert.pem"}}},
			want: []string{
				"change system store etc/pki/ca-trust/source/anchors/corporate_proxy.crt as corporate_proxy: the proxy's CA in the system store (rhel), then update-ca-trust extract [update-ca-trust extract]",
				"change Java keystore opt/jdk-21/lib/security/cacerts as corporate_proxy: the proxy's CA in a Java keystore",
				"change PEM bundle opt/app/lib/python3.11/site-packages/certifi/cacert.pem as corporate_proxy: the proxy's CA in a PEM bundle",
				"leave Java keystore usr/lib/jvm/jre-11/lib/security/cacerts: rebuilt by update-ca-trust extract from the system store",
				"leave Java keystore opt/broken/lib/security/cacerts: keystore format unknown is not edited here",
			},
		},
		{
			name:  "two CAs, one given twice, named after the alias",
			fsys:  fstest.MapFS{"etc/os-release": file([]byte("ID=debian\n"))},
			certs: []*truststore.Certificate{alpha, beta, alpha},
			opts:  truststore.ChangeOptions{Alias: "corp"},
			want: []string{
				"change system store usr/local/share/ca-certificates/corp.crt as corp: the proxy's CA in the system store (debian), then update-ca-certificates [update-ca-certificates]",
				"change system store usr/local/share/ca-certificates/corp-2.crt as corp-2: the proxy's CA in the system store (debian), then update-ca-certificates [update-ca-certificates]",
			},
		},
		{
			name:  "keystore with another password is left",
			fsys:  fstest.MapFS{"etc/os-release": file([]byte("ID=debian\n")), "opt/jdk/lib/security/cacerts": file(jks)},
			certs: []*truststore.Certificate{beta},
			opts:  truststore.ChangeOptions{Password: truststore.NewPassword("not-changeit")},
			want: []string{
				"change system store usr/local/share/ca-certificates/corporate_proxy.crt as corporate_proxy: the proxy's CA in the system store (debian), then update-ca-certificates [update-ca-certificates]",
				"leave Java keystore opt/jdk/lib/security/cacerts: does not open with the password given",
			},
		},
		{
			name:  "unknown distribution",
			fsys:  fstest.MapFS{"opt/app/cacert.pem": file(alpha.PEM())},
			certs: []*truststore.Certificate{beta},
			opts:  truststore.ChangeOptions{Discovery: truststore.Discovery{Bundles: []string{"/opt/app/cacert.pem"}}},
			want: []string{
				"change PEM bundle opt/app/cacert.pem as corporate_proxy: the proxy's CA in a PEM bundle",
				"leave system store : unknown distribution (no /etc/os-release this package knows): add the CA to the system store by hand",
			},
		},
		{
			name:  "stores left out on purpose, by path, by the file a link leads to, by a directory above",
			fsys:  rhel,
			certs: []*truststore.Certificate{beta},
			opts: truststore.ChangeOptions{
				Discovery: truststore.Discovery{Bundles: []string{"opt/app/lib/python3*/site-packages/certifi/cacert.pem"}},
				// The regenerated keystore stays left as such; a
				// pattern that reaches it is no typo.
				Skip: []string{"/etc/pki/ca-trust/source/anchors", "opt/jdk-*/lib/security/cacerts", "/opt/broken/", "/etc/pki/java/cacerts", "/nowhere/*"},
			},
			want: []string{
				"change PEM bundle opt/app/lib/python3.11/site-packages/certifi/cacert.pem as corporate_proxy: the proxy's CA in a PEM bundle",
				"leave Java keystore usr/lib/jvm/jre-11/lib/security/cacerts: rebuilt by update-ca-trust extract from the system store",
				"skip system store etc/pki/ca-trust/source/anchors: /etc/pki/ca-trust/source/anchors",
				"skip Java keystore opt/broken/lib/security/cacerts: /opt/broken",
				"skip Java keystore opt/jdk-21/lib/security/cacerts: /opt/jdk-*/lib/security/cacerts",
				"unmatched /nowhere/*",
			},
		},
		{name: "no certificate, nothing to do", fsys: rhel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := truststore.Changes(tt.fsys, tt.certs, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, changeSummary(p))
		})
	}
}

func TestChangesEditsAddTheCA(t *testing.T) {
	jks := readKeystore(t, "debian-cacerts.jks")
	ca := testCA(t, "Gamma Root CA")
	fsys := fstest.MapFS{
		"etc/os-release":               file([]byte("ID=debian\n")),
		"opt/jdk/lib/security/cacerts": file(jks),
		"opt/app/cacert.pem":           file(testCA(t, "Alpha Root CA").PEM()),
	}
	p, err := truststore.Changes(fsys, []*truststore.Certificate{ca}, truststore.ChangeOptions{Discovery: truststore.Discovery{Bundles: []string{"opt/app/cacert.pem"}}})
	require.NoError(t, err)
	require.Len(t, p.Changes, 3)
	for _, c := range p.Changes {
		var old []byte
		if f, ok := fsys[c.Path]; ok {
			old = f.Data
		}
		b, err := c.Edit(old)
		require.NoError(t, err, c.Path)
		again, err := c.Edit(b)
		require.NoError(t, err)
		assert.Equal(t, b, again, "idempotent: %s", c.Path)
		if c.Kind == truststore.KindKeystore {
			entries, _, err := truststore.ListKeystore(b, truststore.WithPassword(truststore.DefaultJavaPassword()))
			require.NoError(t, err)
			assert.Contains(t, fmt.Sprint(entries), "corporate_proxy")
			continue
		}
		entries, err := truststore.ListBundle(b)
		require.NoError(t, err)
		assert.Equal(t, ca.Fingerprint(), entries[len(entries)-1].Fingerprint, c.Path)
	}
}

func TestChangesRefuseAnAliasWithASlash(t *testing.T) {
	_, err := truststore.Changes(fstest.MapFS{}, []*truststore.Certificate{testCA(t, "A")}, truststore.ChangeOptions{Alias: "../x"})
	require.ErrorIs(t, err, truststore.ErrMalformed)
}

// TestChangesNameEachCAByItsOwnAlias checks ChangeOptions.Aliases: a CA with
// an alias of its own keeps it, the others are named after Alias, counted
// among themselves only, so the proxy's CA and a cluster's are anchored under
// names that can be removed apart.
func TestChangesNameEachCAByItsOwnAlias(t *testing.T) {
	proxyCA, clusterCA, other := testCA(t, "Corp Proxy Root"), testCA(t, "DC/OS Root CA"), testCA(t, "Second Proxy Root")
	fsys := fstest.MapFS{"etc/os-release": file([]byte("ID=rhel\n"))}
	tests := []struct {
		name    string
		certs   []*truststore.Certificate
		aliases map[truststore.Fingerprint]string
		want    []string
	}{
		{"none of its own", []*truststore.Certificate{proxyCA, clusterCA}, nil, []string{"corporate_proxy", "corporate_proxy-2"}},
		{"the cluster's first", []*truststore.Certificate{clusterCA, proxyCA, other},
			map[truststore.Fingerprint]string{clusterCA.Fingerprint(): "dcos-root-ca"}, []string{"dcos-root-ca", "corporate_proxy", "corporate_proxy-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := truststore.Changes(fsys, tt.certs, truststore.ChangeOptions{Aliases: tt.aliases})
			require.NoError(t, err)
			var got []string
			for _, ca := range p.CAs {
				got = append(got, ca.Alias)
			}
			require.Equal(t, tt.want, got)
			var anchors []string
			for _, c := range p.Changes {
				anchors = append(anchors, c.Path)
			}
			require.Len(t, anchors, len(tt.want), "one anchor file per CA")
		})
	}
	_, err := truststore.Changes(fsys, []*truststore.Certificate{clusterCA}, truststore.ChangeOptions{Aliases: map[truststore.Fingerprint]string{clusterCA.Fingerprint(): "a b"}})
	require.ErrorIs(t, err, truststore.ErrMalformed)
}

// TestChangesPassOverANameTakenOnTheNode: a CA named after the alias on a
// node where a store already gives that name to a different certificate (an
// earlier run's CA, the proxy's CA rotated) is trusted beside it under the
// next free name, the same in every store, and a second run picks the same
// name; a CA already there keeps its name; an alias of the CA's own is used
// as given.
func TestChangesPassOverANameTakenOnTheNode(t *testing.T) {
	oldCA, newCA, third := testCA(t, "Corp Proxy Root 2025"), testCA(t, "Corp Proxy Root 2026"), testCA(t, "Corp Proxy Root 2027")
	withOld, err := truststore.AddToKeystore(oldCA, "corporate_proxy", truststore.WithPassword(truststore.DefaultJavaPassword()))(readKeystore(t, "debian-cacerts.jks"))
	require.NoError(t, err)
	node := func(files ...string) fstest.MapFS {
		fsys := fstest.MapFS{"etc/os-release": file([]byte("ID=centos\n")), "opt/jdk/lib/security/cacerts": file(withOld)}
		for i := 0; i < len(files); i += 2 {
			fsys[files[i]] = file([]byte(files[i+1]))
		}
		return fsys
	}
	anchor := "etc/pki/ca-trust/source/anchors/"
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		certs   []*truststore.Certificate
		aliases map[truststore.Fingerprint]string
		want    []string // alias and names passed over, per CA
	}{
		{"the old CA again", node(anchor+"corporate_proxy.crt", string(oldCA.PEM())), []*truststore.Certificate{oldCA}, nil,
			[]string{"corporate_proxy []"}},
		{"a new CA beside the old one", node(anchor+"corporate_proxy.crt", string(oldCA.PEM())), []*truststore.Certificate{newCA}, nil,
			[]string{"corporate_proxy-2 [corporate_proxy]"}},
		{"the old and the new", node(anchor+"corporate_proxy.crt", string(oldCA.PEM())), []*truststore.Certificate{oldCA, newCA}, nil,
			[]string{"corporate_proxy []", "corporate_proxy-2 []"}},
		{"the new CA again, after it was added", node(anchor+"corporate_proxy.crt", string(oldCA.PEM()), anchor+"corporate_proxy-2.crt", string(newCA.PEM())),
			[]*truststore.Certificate{newCA}, nil, []string{"corporate_proxy-2 [corporate_proxy]"}},
		{"a third, both names taken", node(anchor+"corporate_proxy.crt", string(oldCA.PEM()), anchor+"corporate_proxy-2.crt", string(newCA.PEM())),
			[]*truststore.Certificate{third}, nil, []string{"corporate_proxy-3 [corporate_proxy corporate_proxy-2]"}},
		{"taken by an anchor file only", fstest.MapFS{"etc/os-release": file([]byte("ID=centos\n")), anchor + "corporate_proxy.crt": file(oldCA.PEM())},
			[]*truststore.Certificate{newCA}, nil, []string{"corporate_proxy-2 [corporate_proxy]"}},
		{"an alias of its own is used as given", node(), []*truststore.Certificate{newCA},
			map[truststore.Fingerprint]string{newCA.Fingerprint(): "corporate_proxy"}, []string{"corporate_proxy []"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := truststore.Changes(tt.fsys, tt.certs, truststore.ChangeOptions{Aliases: tt.aliases})
			require.NoError(t, err)
			var got []string
			for _, ca := range p.CAs {
				got = append(got, fmt.Sprintf("%s %v", ca.Alias, ca.Taken))
			}
			require.Equal(t, tt.want, got)
			for _, c := range p.Changes {
				var old []byte
				if f, ok := tt.fsys[c.Path]; ok {
					old = f.Data
				}
				b, err := c.Edit(old)
				if tt.aliases != nil && c.Kind == truststore.KindKeystore {
					require.ErrorIs(t, err, truststore.ErrAliasTaken, "an alias of its own is not passed over")
					continue
				}
				require.NoError(t, err, c.Path)
				if c.Kind == truststore.KindSystem {
					assert.Equal(t, anchor+c.CA.Alias+".crt", c.Path)
					continue
				}
				entries, _, err := truststore.ListKeystore(b, truststore.WithPassword(truststore.DefaultJavaPassword()))
				require.NoError(t, err)
				aliases := map[string]truststore.Fingerprint{}
				for _, e := range entries {
					aliases[e.Alias] = e.Fingerprint
				}
				assert.Equal(t, oldCA.Fingerprint(), aliases["corporate_proxy"], "the old CA stays trusted under its name")
				assert.Equal(t, c.CA.Cert.Fingerprint(), aliases[c.CA.Alias])
			}
		})
	}
}

func TestStoreMatchesItsPathsAndTheDirectoriesAbove(t *testing.T) {
	st := truststore.Store{
		Kind: truststore.KindKeystore, Path: "usr/lib/jvm/java-17/lib/security/cacerts",
		Real: "etc/ssl/certs/java/cacerts", Links: []string{"usr/lib/jvm/default/lib/security/cacerts"},
	}
	for _, tt := range []struct {
		pattern string
		want    bool
	}{
		{"/usr/lib/jvm/java-17/lib/security/cacerts", true},
		{"usr/lib/jvm/java-17/lib/security/cacerts", true},
		{"/usr/lib/jvm/*/lib/security/cacerts", true},
		{"/usr/lib/jvm", true},
		{"/usr/lib/jvm/", true},
		{"/etc/ssl/certs/java/cacerts", true},
		{"/etc/ssl", true},
		{"/usr/lib/jvm/default", true},
		{"/usr/lib/jvm/java-11", false},
		{"/usr/lib/jvm/*", true},
		{"/usr/lib/jv", false},
		{"/opt", false},
		{"/", false},
		{"/[", false},
	} {
		t.Run(tt.pattern, func(t *testing.T) {
			assert.Equal(t, tt.want, st.Matches(tt.pattern))
		})
	}
	assert.False(t, truststore.Store{Kind: truststore.KindSystem}.Matches("/*"), "a store without a path")
}

// TestChangesSayWhyEachStoreIsLeft: every store left carries an error a
// program can branch on, besides the reason for a person.
func TestChangesSayWhyEachStoreIsLeft(t *testing.T) {
	jks := readKeystore(t, "debian-cacerts.jks")
	fsys := fstest.MapFS{
		"etc/os-release":                           file([]byte("ID=debian\n")),
		"opt/jceks/lib/security/cacerts":           file(readKeystore(t, "store.jceks")),
		"opt/junk/lib/security/cacerts":            file([]byte("not a keystore at all")),
		"opt/locked/lib/security/cacerts":          file(jks),
		"opt/app/cacert.pem":                       file([]byte("-----BEGIN CERTIFICATE-----\nnot base64\n")),
		"etc/ssl/certs/java/cacerts":               file(jks),
		"usr/lib/jvm/java-17/lib/security/cacerts": link("/etc/ssl/certs/java/cacerts"),
	}
	p, err := truststore.Changes(fsys, []*truststore.Certificate{testCA(t, "Beta Root CA")}, truststore.ChangeOptions{
		Password:  truststore.NewPassword("not-changeit"),
		Discovery: truststore.Discovery{Bundles: []string{"opt/app/cacert.pem"}},
	})
	require.NoError(t, err)
	want := map[string]error{
		"opt/jceks/lib/security/cacerts":  truststore.ErrUnsupportedFormat,
		"opt/junk/lib/security/cacerts":   truststore.ErrMalformed,
		"opt/locked/lib/security/cacerts": truststore.ErrWrongPassword,
		"opt/app/cacert.pem":              truststore.ErrMalformed,
	}
	for _, l := range p.Left {
		if l.Store.Regenerated {
			require.NoError(t, l.Err, l.Store.Path)
			continue
		}
		require.Contains(t, want, l.Store.Path)
		require.ErrorIs(t, l.Err, want[l.Store.Path], l.Store.Path)
		delete(want, l.Store.Path)
	}
	require.Empty(t, want, "stores not left")
}
