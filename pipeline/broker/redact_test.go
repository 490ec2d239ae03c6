package broker_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/broker"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"nats://u:s3cretP4ss@host:4222", "nats://u:xxxxx@host:4222"},
		{"nats://tok3n@host:4222", "nats://xxxxx@host:4222"},
		{"nats://host:4222", "nats://host:4222"},
		{"nats://a:p1@h1:4222,nats://b:p2@h2:4222", "nats://a:xxxxx@h1:4222,nats://b:xxxxx@h2:4222"},
		{"tls://u:p%40ss@h", "tls://u:xxxxx@h"},
		{`parse "nats://u:s3cret@host:abc": invalid port`, `parse "nats://u:xxxxx@host:abc": invalid port`},
		{"no url here, user@example.com", "no url here, user@example.com"},
		{"", ""},
	} {
		if got := broker.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactErrorKeepsChain(t *testing.T) {
	t.Parallel()
	base := errors.New("refused")
	err := broker.RedactError(fmt.Errorf("connect to nats://u:pw@h: %w", base))
	if err.Error() != "connect to nats://u:xxxxx@h: refused" || !errors.Is(err, base) {
		t.Errorf("RedactError: %q, Is(base) %v", err, errors.Is(err, base))
	}
	if broker.RedactError(nil) != nil {
		t.Error("RedactError(nil) != nil")
	}
}
