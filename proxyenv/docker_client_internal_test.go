package proxyenv

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePasswd(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []account
		err  string
	}{
		{"users", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1001:Alice,,,:/home/alice:/bin/bash\n",
			[]account{{"root", 0, 0, "/root"}, {"alice", 1000, 1001, "/home/alice"}}, ""},
		{"comments, blanks, NIS and CRLF", "# local\r\n\r\n+@netgroup::::::\r\nbob:x:1002:1002::/srv/bob:/bin/sh\r\n",
			[]account{{"bob", 1002, 1002, "/srv/bob"}}, ""},
		{"no final newline", "carol:x:7:7::/home/carol:/bin/sh", []account{{"carol", 7, 7, "/home/carol"}}, ""},
		{"empty", "", nil, ""},
		{"too few fields", "root:x:0:0:root:/root\n", nil, "/etc/passwd:1: 6 fields, want 7"},
		{"non-numeric id", "x\nroot:x:zero:0:root:/root:/bin/sh\n", nil, "/etc/passwd:1: 1 fields"},
		{"negative id", "root:x:-1:0:root:/root:/bin/sh\n", nil, "must be numbers"},
		{"a hash in the password field is never quoted", "root:$6$salt$hash:zero:0:root:/root:/bin/sh\n", nil, `user "root": user and group IDs must be numbers`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePasswd([]byte(tt.in))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				require.ErrorIs(t, err, ErrMalformed)
				assert.NotContains(t, err.Error(), "$6$")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParsePasswd(f *testing.F) {
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n"))
	f.Add([]byte("# c\n+::::::\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		accs, err := parsePasswd(b)
		if err != nil {
			if accs != nil {
				t.Fatal("accounts with an error")
			}
			return
		}
		for _, a := range accs {
			if a.uid < 0 || a.gid < 0 || strings.Contains(a.name, ":") {
				t.Fatalf("bad account %+v", a)
			}
		}
	})
}
