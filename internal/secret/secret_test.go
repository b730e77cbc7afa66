package secret_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/proxykit/proxykit/internal/secret"
	"github.com/proxykit/proxykit/proxyenv"
	"github.com/proxykit/proxykit/truststore"
)

func TestSecretNeverPrints(t *testing.T) {
	s := secret.New("hunter2")
	type wrapper struct{ S secret.Secret }
	j, err := json.Marshal(wrapper{s})
	require.NoError(t, err)
	for _, out := range []string{
		s.String(), s.GoString(), fmt.Sprint(s),
		fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%d", s, s, s, s, s, s, s),
		fmt.Sprintf("%+v %#v", wrapper{s}, wrapper{s}), string(j),
	} {
		assert.NotContains(t, out, "hunter2")
		assert.Contains(t, out, secret.Redacted)
	}
	assert.Equal(t, "hunter2", s.Reveal())
}

func TestEmptySecretPrintsNothing(t *testing.T) {
	var s secret.Secret
	assert.True(t, s.IsZero())
	assert.True(t, secret.New("").IsZero())
	assert.Equal(t, "", s.String())
	assert.Equal(t, "", fmt.Sprint(s))
}

// TestOneSecretType checks at compile time that proxyenv's secret and
// truststore's password are one type.
func TestOneSecretType(t *testing.T) {
	var p truststore.Password = proxyenv.NewSecret("hunter2")
	var s proxyenv.Secret = truststore.NewPassword("hunter2")
	assert.Equal(t, p, s)
}
