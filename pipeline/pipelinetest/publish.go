package pipelinetest

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// PublishAll publishes msgs asynchronously, then publishes again, until
// the server stores it, each one whose acknowledgement did not come (a
// server restart or crash in between). Messages carry Nats-Msg-Id, so a
// retry of one that was stored after all is de-duplicated by the stream.
func PublishAll(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg) error {
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		futures[i], _ = js.PublishMsgAsync(m)
	}
	// One wait for all acknowledgements, not one per message: after a node
	// loss every future may hang.
	acks, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for i, f := range futures {
		if f != nil {
			select {
			case <-f.Ok():
				continue
			case <-f.Err():
			case <-acks.Done():
			}
		}
		if err := publishRetrying(ctx, js, msgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// publishRetrying publishes until the server acknowledges or ctx ends.
func publishRetrying(ctx context.Context, js jetstream.JetStream, m *nats.Msg) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := js.PublishMsg(pctx, m)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("publish %s: %w (last error %v)", m.Header.Get(jetstream.MsgIDHeader), ctx.Err(), err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond): // retry pacing
		}
	}
}
