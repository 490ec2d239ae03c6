package pipelinetest

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerIdle returns nil once the durable consumer name on stream has
// had acknowledged every message stored on its filter, or else says what
// is left.
//
// A consumer's NumPending alone cannot say so: the server sends the PubAck
// before it tells the stream's consumers of the new message (a queue the
// stream works through in its own goroutine), so on a loaded machine a
// consumer reports nothing pending for messages whose publishers were
// already answered. The last sequence stored on the filter is read from the
// stream itself and compared with the consumer's ack floor.
func ConsumerIdle(ctx context.Context, js jetstream.JetStream, stream, name string) error {
	c, err := js.Consumer(ctx, stream, name)
	if err != nil {
		return fmt.Errorf("consumer %s: %w", name, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return fmt.Errorf("consumer %s: %w", name, err)
	}
	if info.NumPending > 0 || info.NumAckPending > 0 {
		return fmt.Errorf("consumer %s: %d pending, %d delivered and not acked (%d redelivered)",
			name, info.NumPending, info.NumAckPending, info.NumRedelivered)
	}
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", stream, err)
	}
	filters := info.Config.FilterSubjects
	if info.Config.FilterSubject != "" {
		filters = append(filters, info.Config.FilterSubject)
	}
	if len(filters) == 0 {
		filters = []string{">"}
	}
	for _, f := range filters {
		last, err := s.GetLastMsgForSubject(ctx, f)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // nothing stored there (or, on a work queue, all acked and removed)
		}
		if err != nil {
			return fmt.Errorf("stream %s: last message on %s: %w", stream, f, err)
		}
		if last.Sequence > info.AckFloor.Stream {
			return fmt.Errorf("consumer %s: acknowledged up to stream sequence %d, %s holds %d (not yet signalled to the consumer)",
				name, info.AckFloor.Stream, f, last.Sequence)
		}
	}
	return nil
}
