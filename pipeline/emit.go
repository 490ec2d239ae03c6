package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Dead-letter headers (SPEC section 7).
const (
	HeaderReason        = "Ordertrack-Reason"
	HeaderError         = "Ordertrack-Error"
	HeaderSourceSubject = "Ordertrack-Source-Subject"
	HeaderSourceSeq     = "Ordertrack-Source-Seq"
)

// TombstoneTTL is how long the message that cancels a timer stays.
const TombstoneTTL = time.Second

// emitter publishes outputs, timers and dead letters asynchronously and
// collects the futures so a batch can wait for all of them at once.
type emitter struct {
	js      jetstream.JetStream
	topo    Topology
	futures []jetstream.PubAckFuture
	err     error
	// failed holds, by subject, the error of each publish that failed or
	// was not sent.
	failed map[string]error
}

func (e *emitter) publish(m *nats.Msg, opts ...jetstream.PublishOpt) {
	if e.err != nil {
		e.fail(m.Subject, fmt.Errorf("publish to %s: not sent after an earlier failure: %w", m.Subject, e.err))
		return
	}
	f, err := e.js.PublishMsgAsync(m, append(opts, jetstream.WithStallWait(kv.StallWait))...)
	if err != nil {
		e.err = fmt.Errorf("publish to %s: %w", m.Subject, err)
		e.fail(m.Subject, e.err)
		return
	}
	e.futures = append(e.futures, f)
}

// update publishes one output with its deterministic Nats-Msg-Id.
func (e *emitter) update(u order.Update) {
	m := nats.NewMsg(e.topo.OutputSubject(u))
	m.Data = u.AppendJSON(make([]byte, 0, 384))
	m.Header.Set(jetstream.MsgIDHeader, u.MsgID())
	e.publish(m)
}

// schedule sets the timer of one SLA of an order to fire at its deadline.
func (e *emitter) schedule(orderID string, d order.Deadline) {
	e.publish(ScheduleMsg(e.topo, orderID, d))
}

// cancel removes the pending timer of one SLA.
func (e *emitter) cancel(orderID string, sla order.SLA) {
	e.publish(CancelMsg(e.topo, orderID, sla), jetstream.WithMsgTTL(TombstoneTTL))
}

// ScheduleMsg is the message schedule of one SLA of an order, firing at its
// deadline. The time is written with nanoseconds: WithScheduleAt drops them
// and fires up to a second early (NATS-NOTES).
func ScheduleMsg(topo Topology, orderID string, d order.Deadline) *nats.Msg {
	at := d.At.UTC().Format(time.RFC3339Nano)
	m := nats.NewMsg(topo.ScheduleSubject(orderID, d.SLA))
	m.Data = []byte(`{"order_id":"` + orderID + `","sla":"` + string(d.SLA) + `","deadline":"` + at + `"}`)
	m.Header.Set(jetstream.ScheduleHeader, "@at "+at)
	m.Header.Set(jetstream.ScheduleTargetHeader, topo.FiredSubject(orderID, d.SLA))
	return m
}

// CancelMsg cancels the pending schedule of one SLA of an order: a rollup
// replaces the schedule by a tombstone, to be published with a message TTL
// so that it expires by itself.
func CancelMsg(topo Topology, orderID string, sla order.SLA) *nats.Msg {
	m := nats.NewMsg(topo.ScheduleSubject(orderID, sla))
	m.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
	return m
}

// deadLetter publishes the original bytes with the reason in headers.
func (e *emitter) deadLetter(msg jetstream.Msg, reason order.Reason, detail string) {
	md, _ := msg.Metadata()
	m := nats.NewMsg(e.topo.DLQSubject(reason))
	m.Data = msg.Data()
	m.Header.Set(HeaderReason, string(reason))
	m.Header.Set(HeaderError, detail)
	m.Header.Set(HeaderSourceSubject, msg.Subject())
	if md != nil {
		seq := strconv.FormatUint(md.Sequence.Stream, 10)
		m.Header.Set(HeaderSourceSeq, seq)
		m.Header.Set(jetstream.MsgIDHeader, "dlq:"+md.Stream+":"+seq)
	}
	e.publish(m)
}

// wait blocks until every publish is stored and returns the first error;
// takeFailed then says which publishes failed.
func (e *emitter) wait(ctx context.Context) error {
	for i, f := range e.futures {
		select {
		case <-f.Ok():
			continue
		case err := <-f.Err():
			err = fmt.Errorf("publish to %s: %w", f.Msg().Subject, err)
			e.err = cmp.Or(e.err, err)
			e.fail(f.Msg().Subject, err)
			continue
		case <-ctx.Done():
		}
		for _, f := range e.futures[i:] {
			err := fmt.Errorf("publish to %s: no acknowledgement: %w", f.Msg().Subject, ctx.Err())
			e.err = cmp.Or(e.err, err)
			e.fail(f.Msg().Subject, err)
		}
		break
	}
	e.futures = e.futures[:0]
	err := e.err
	e.err = nil
	return err
}

func (e *emitter) fail(subject string, err error) {
	if e.failed == nil {
		e.failed = map[string]error{}
	}
	if _, ok := e.failed[subject]; !ok {
		e.failed[subject] = err
	}
}

// takeFailed returns and forgets the failed publishes by subject.
func (e *emitter) takeFailed() map[string]error {
	f := e.failed
	e.failed = nil
	return f
}
