package contract

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// removeWithin bounds RemoveConsumer's request.
const removeWithin = 5 * time.Second

// RemoveConsumer deletes c, a consumer of stream that a reader created for
// itself (an ordered consumer), so that nothing of the read stays on the
// server once it is over: left alone, an ordered consumer lives for its
// inactive threshold (5 minutes) and counts against the account's
// max_consumers meanwhile. Readers defer it right after creating the
// consumer, so it runs on every path; it takes a context of its own
// (ctx's values, not its end, bounded by removeWithin), so a read ended by
// a cancelled ctx still removes what it made.
func RemoveConsumer(ctx context.Context, js jetstream.JetStream, stream string, c jetstream.Consumer) error {
	info := c.CachedInfo()
	if info == nil {
		return nil // an ordered consumer between two server-side consumers
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeWithin)
	defer cancel()
	if err := js.DeleteConsumer(ctx, stream, info.Name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("remove consumer %s of %s: %w", info.Name, stream, err)
	}
	return nil
}
