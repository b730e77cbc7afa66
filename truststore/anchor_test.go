package truststore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/truststore"
)

// TestCheckAnchorRefusesWhatNoClientTrusts: a certificate that is not a
// CA, or is outside its validity, is refused as the CA to trust, naming it
// and what is wrong, unless the options allow it; allowed, it comes back as
// a warning.
func TestCheckAnchorRefusesWhatNoClientTrusts(t *testing.T) {
	issuer := issue(t, certSpec{name: "Issuer CA", ca: true}, nil)
	for _, tc := range []struct {
		name    string
		spec    certSpec
		opts    truststore.AnchorOptions
		err     error  // nil: accepted
		message string // in the error
		warns   int    // accepted: how many warnings
	}{
		{name: "a CA within its validity", spec: certSpec{name: "Good CA", ca: true}},
		{name: "a leaf", spec: certSpec{name: "leaf.example", dns: "leaf.example"},
			err: truststore.ErrNotCA, message: `not a CA certificate: certificate "leaf.example" (SHA-256 `},
		{name: "a leaf: basicConstraints CA:FALSE named", spec: certSpec{name: "leaf.example", dns: "leaf.example"},
			err: truststore.ErrNotCA, message: "has basicConstraints CA:FALSE, so clients accept no certificate it signed"},
		{name: "no basicConstraints", spec: certSpec{name: "V1-ish", noBC: true},
			err: truststore.ErrNotCA, message: "has no basicConstraints extension"},
		{name: "a leaf, allowed", spec: certSpec{name: "leaf.example", dns: "leaf.example"},
			opts: truststore.AnchorOptions{AllowLeaf: true}, warns: 1},
		{name: "expired", spec: certSpec{name: "Old CA", ca: true, notAfter: epoch.Add(-48 * time.Hour)},
			err: truststore.ErrExpired, message: "expired on 2025-12-31"},
		{name: "expired, allowed", spec: certSpec{name: "Old CA", ca: true, notAfter: epoch.Add(-48 * time.Hour)},
			opts: truststore.AnchorOptions{AllowExpired: true}, warns: 1},
		{name: "not yet valid", spec: certSpec{name: "Future CA", ca: true, notBefore: epoch.Add(24 * time.Hour)},
			err: truststore.ErrNotYetValid, message: "is not valid before 2026-01-03"},
		{name: "not yet valid, allowed", spec: certSpec{name: "Future CA", ca: true, notBefore: epoch.Add(24 * time.Hour)},
			opts: truststore.AnchorOptions{AllowExpired: true}, warns: 1},
		{name: "an expired leaf, the leaf allowed", spec: certSpec{name: "old.example", dns: "old.example", notAfter: epoch.Add(-48 * time.Hour)},
			opts: truststore.AnchorOptions{AllowLeaf: true}, err: truststore.ErrExpired, message: "expired on"},
		{name: "an expired leaf, both allowed", spec: certSpec{name: "old.example", dns: "old.example", notAfter: epoch.Add(-48 * time.Hour)},
			opts: truststore.AnchorOptions{AllowLeaf: true, AllowExpired: true}, warns: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := issuer
			if tc.spec.ca || tc.spec.noBC {
				parent = nil
			}
			c, err := truststore.ParseCertificate(issue(t, tc.spec, parent).Raw)
			require.NoError(t, err)
			tc.opts.Now = epoch
			warns, err := c.CheckAnchor(tc.opts)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				var ae *truststore.AnchorError
				require.True(t, errors.As(err, &ae))
				require.Equal(t, c, ae.Cert)
				require.Contains(t, err.Error(), tc.message)
				require.Contains(t, err.Error(), c.Fingerprint().String())
				require.Nil(t, warns)
				return
			}
			require.NoError(t, err)
			require.Len(t, warns, tc.warns)
		})
	}
}
