package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// emitter publishes outputs, timer schedules and dead letters asynchronously and
// collects the futures so a batch can wait for all of them at once.
type emitter struct {
	js      jetstream.JetStream
	topo    contract.Topology
	futures []jetstream.PubAckFuture
	err     error
	// failed holds, by subject, the error of each publish that failed or
	// was not sent.
	failed map[string]error
	// duplicates holds the Msg-Ids the server acknowledged as duplicates:
	// stored before (an outbox re-sent after a restart, within the
	// duplicate window), not by this publish.
	duplicates map[string]bool
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

// deadLetter publishes the original bytes with the reason in headers.
func (e *emitter) deadLetter(msg jetstream.Msg, reason order.Reason, detail string) {
	md, _ := msg.Metadata()
	m := nats.NewMsg(e.topo.DLQSubject(reason))
	m.Data = msg.Data()
	m.Header.Set(contract.HeaderReason, string(reason))
	m.Header.Set(contract.HeaderError, detail)
	m.Header.Set(contract.HeaderSourceSubject, msg.Subject())
	if md != nil {
		seq := strconv.FormatUint(md.Sequence.Stream, 10)
		m.Header.Set(contract.HeaderSourceSeq, seq)
		m.Header.Set(jetstream.MsgIDHeader, "dlq:"+md.Stream+":"+seq)
	}
	e.publish(m)
}

// wait blocks until every publish is stored and returns the first error;
// takeFailed then says which publishes failed.
func (e *emitter) wait(ctx context.Context) error {
	for i, f := range e.futures {
		select {
		case ack := <-f.Ok():
			if ack != nil && ack.Duplicate {
				e.duplicate(f.Msg().Header.Get(jetstream.MsgIDHeader))
			}
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

func (e *emitter) duplicate(msgID string) {
	if e.duplicates == nil {
		e.duplicates = map[string]bool{}
	}
	e.duplicates[msgID] = true
}

// stored returns us without the updates the server acknowledged as
// duplicates: what this run emitted, for the console (an output stored by
// an earlier run and re-sent from its outbox is not shown again). It
// reuses us's array.
func (e *emitter) stored(us []order.Update) []order.Update {
	if len(e.duplicates) == 0 {
		return us
	}
	return slices.DeleteFunc(us, func(u order.Update) bool { return e.duplicates[u.MsgID()] })
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
