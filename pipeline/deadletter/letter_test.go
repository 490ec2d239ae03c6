package deadletter

import (
	"strings"
	"testing"
)

func TestPreviewEscapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{"bad\xff\x00\n\\ é", `bad\xff\x00\n\\ é`},
		{strings.Repeat("x", 70), strings.Repeat("x", 60) + "... (70 bytes)"},
	} {
		if got := Preview([]byte(tc.in)); got != tc.want {
			t.Errorf("Preview(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
