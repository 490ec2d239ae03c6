package deadletter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Ingest sources whose dead letters hold the source's own bytes, which
// ingest.mapping turns into an event again.
const (
	sourceKafka   = "kafka"
	sourceHTTP    = "http"
	sourceShopify = "shopify"
)

// replayIngest replays a dead letter of an ingest source: its bytes run
// through ingest.mapping again (fixed since, typically), and the event
// goes to its order's input subject under the event id the source derived
// (the letter's Nats-Msg-Id), so that a replay repeated after a crash, or
// the same record sent again at the source, is stored and applied once.
// A letter that is still invalid is kept and reported: fix the mapping
// or fix it at the source and send it again. Shopify webhooks are not
// replayed: the topic and shop they are mapped with are not kept.
func (r *Replayer) replayIngest(ctx context.Context, l Letter) error {
	if l.Source != sourceKafka && l.Source != sourceHTTP {
		r.Skipped++
		if l.Source == sourceShopify {
			fmt.Fprintf(r.Out, "skip %d: a Shopify webhook is not replayed (its topic and shop are not kept); fix the order in Shopify, whose next webhook brings it\n", l.Seq)
		} else {
			fmt.Fprintf(r.Out, "skip %d: source %q cannot be replayed; fix it at the source and send it again\n", l.Seq, l.Source)
		}
		return nil
	}
	if r.Mapper == nil {
		return errors.New("replay of ingest dead letters needs Replayer.Mapper (ingest.mapping)")
	}
	id := l.MsgID
	if id == "" {
		id = fmt.Sprintf("replay:%s:%d", contract.DLQStream, l.Seq)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	p, err := r.Mapper.Prepare(l.Data, id, now(), r.MaxSkew)
	if err != nil {
		r.Skipped++
		fmt.Fprintf(r.Out, "kept %d (%s %s): still invalid under ingest.mapping: %s; fix the mapping, or fix it at the source and send it again\n",
			l.Seq, l.Source, l.SourceAt, oneLine(err))
		return nil
	}
	subject := contract.Topology{Prefix: r.Prefix}.EventSubject(p.Event.OrderID)
	if r.Dry {
		r.Replayed++
		fmt.Fprintf(r.Out, "would replay %d (%s, %s %s) mapped to %s as event %s\n", l.Seq, l.Reason, l.Source, l.SourceAt, subject, p.Event.EventID)
		return nil
	}
	if _, err := r.JS.PublishMsg(ctx, ingest.EventMsg(subject, p.Data, p.Event.EventID, true)); err != nil {
		return fmt.Errorf("replay dead letter %d to %s: %w", l.Seq, subject, err)
	}
	if err := r.DLQ.DeleteMsg(ctx, l.Seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("dead letter %d replayed to %s but not removed: %w", l.Seq, subject, err)
	}
	r.Replayed++
	return nil
}

// oneLine is err's text; an invalid event's reason and detail.
func oneLine(err error) string {
	var inv *order.InvalidError
	if errors.As(err, &inv) {
		return string(inv.Reason) + ": " + inv.Detail
	}
	return err.Error()
}
