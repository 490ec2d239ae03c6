package contract

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
)

func TestTransient(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{fmt.Errorf("write order A: %w", context.DeadlineExceeded), true},
		{fmt.Errorf("publish to x: %w", nats.ErrNoResponders), true},
		{fmt.Errorf("publish to x: %w", jetstream.ErrNoStreamResponse), true},
		{nats.ErrTimeout, true},
		{nats.ErrConnectionReconnecting, true},
		{fmt.Errorf("order A: %w after 3 attempts", kv.ErrConflict), true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}, true},
		{&jetstream.APIError{Code: 500, ErrorCode: 10118, Description: "stream is offline"}, true},
		{&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamMessageExceedsMaximum}, false},
		{errors.New("decode order A (revision 3): invalid character"), false},
	} {
		if got := Transient(c.err); got != c.want {
			t.Errorf("Transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
