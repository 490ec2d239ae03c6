package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Recovery: what a partition owner reads back from KV and ORDER_UPDATES
// when an order is not in its cache, including what a crashed run
// committed but may not have emitted (docs/faults.md).

// read loads an order from KV into a cache entry. An outbox left by a run
// that may have crashed before emitting is queued for re-publication; the
// entry's timers are unknown (timersGen 0), so the batch lists all its
// check instants again.
func (pt *partition) read(ctx context.Context, id string, now time.Time) (cached, error) {
	e, err := pt.orders.Get(ctx, id)
	if err != nil {
		return cached{}, err
	}
	if !e.Found {
		return cached{state: order.NewState(id), rev: e.Revision}, nil
	}
	r, err := contract.DecodeRecord(e.Value)
	if err != nil {
		return cached{}, fmt.Errorf("decode order %s (revision %d): %w", id, e.Revision, err)
	}
	c := cached{state: r.State, rev: e.Revision}
	if r.Outbox != nil {
		c.unsent, err = pt.unconfirmed(ctx, r.Outbox, now)
	}
	return c, err
}

// unconfirmed returns the updates of an outbox read from KV that may not
// have been published. Within the duplicate window re-publishing is safe
// (the server drops duplicates by Msg-Id), so all are returned. Past it,
// each subject's last stored message tells what was published.
func (pt *partition) unconfirmed(ctx context.Context, ob *contract.Outbox, now time.Time) ([]order.Update, error) {
	us := ob.Unsent()
	if len(us) == 0 || now.Sub(ob.At) < pt.duplicateWindow {
		return us, nil
	}
	var out []order.Update
	published := map[string]bool{}
	for i := len(us) - 1; i >= 0; i-- {
		subj := pt.topo.OutputSubject(us[i])
		if _, seen := published[subj]; !seen {
			m, err := pt.updates.GetLastMsgForSubject(ctx, subj)
			switch {
			case errors.Is(err, jetstream.ErrMsgNotFound):
				published[subj] = false
			case err != nil:
				return nil, err
			default:
				published[subj] = m.Header.Get(jetstream.MsgIDHeader) == us[i].MsgID()
			}
		}
		if !published[subj] {
			out = append([]order.Update{us[i]}, out...)
		}
	}
	return out, nil
}
