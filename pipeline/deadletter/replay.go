package deadletter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest/mapping"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Replayer republishes dead letters to their input subjects (and re-sends
// notify_failed ones to their webhook), reporting each step on Out.
type Replayer struct {
	JS     jetstream.JetStream
	DLQ    jetstream.Stream // ORDER_DLQ, where replayed letters are removed
	Prefix string           // subjects.prefix
	Dry    bool             // report only; change nothing
	Out    io.Writer
	Notify config.Notify // where notify_failed letters are re-sent
	// Mapper is ingest.mapping, MaxSkew sla.max_clock_skew and Now the
	// clock, for the dead letters of ingest sources (Kafka, HTTP), which
	// are mapped again; Now defaults to time.Now.
	Mapper  *mapping.Mapper
	MaxSkew time.Duration
	Now     func() time.Time
	// Replayed and Skipped count the letters so far.
	Replayed, Skipped int
}

// ReplayStored replays the dead letters of filter stored now, oldest
// first (a replayed event that fails again comes back as a new dead letter
// and must not be replayed in a loop), then reports the counts on Out. It
// sets DLQ.
func (r *Replayer) ReplayStored(ctx context.Context, filter string) error {
	var err error
	if r.DLQ, err = r.JS.Stream(ctx, contract.DLQStream); err != nil {
		return fmt.Errorf("stream %s: %w (is the pipeline provisioned?)", contract.DLQStream, err)
	}
	info, err := r.DLQ.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s: %w", contract.DLQStream, err)
	}
	_, err = Read(ctx, r.JS, filter, info.State.LastSeq, func(l Letter) error { return r.Replay(ctx, l) })
	verb := "replayed"
	if r.Dry {
		verb = "would replay"
	}
	fmt.Fprintf(r.Out, "%s %d dead letters, skipped %d\n", verb, r.Replayed, r.Skipped)
	return err
}

// target is the subject a dead letter's body goes back to: the producers'
// subject of its order for input events, the same subject for a fired SLA
// check.
func (r *Replayer) target(l Letter) (string, bool) {
	src := l.SourceSubject
	topo := contract.Topology{Prefix: r.Prefix}
	if topo.IsFired(src) {
		return src, true
	}
	if !topo.IsEvent(src) {
		return "", false
	}
	id := contract.OrderFromSubject(src)
	return topo.EventSubject(id), id != ""
}

// Replay publishes one dead letter and, once the publish is stored, deletes
// it. The Nats-Msg-Id makes a replay repeated after a crash between the two
// steps a duplicate the input stream drops (within its duplicate window).
func (r *Replayer) Replay(ctx context.Context, l Letter) error {
	if l.Reason == string(order.ReasonNotifyFailed) {
		return r.resend(ctx, l)
	}
	if l.Source != "" {
		return r.replayIngest(ctx, l)
	}
	subject, ok := r.target(l)
	if !ok {
		r.Skipped++
		fmt.Fprintf(r.Out, "skip %d: source subject %q is not an input subject\n", l.Seq, l.SourceSubject)
		return nil
	}
	if r.Dry {
		r.Replayed++
		fmt.Fprintf(r.Out, "would replay %d (%s) to %s: %s\n", l.Seq, l.Reason, subject, Preview(l.Data))
		return nil
	}
	msg := nats.NewMsg(subject)
	msg.Data = l.Data
	msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("replay:%s:%d", contract.DLQStream, l.Seq))
	if _, err := r.JS.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("replay dead letter %d to %s: %w", l.Seq, subject, err)
	}
	if err := r.DLQ.DeleteMsg(ctx, l.Seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("dead letter %d replayed to %s but not removed: %w", l.Seq, subject, err)
	}
	r.Replayed++
	return nil
}
