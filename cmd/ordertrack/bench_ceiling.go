package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Sizes of the stand-in payloads of the ceiling phase, close to what the
// pipeline writes for the sample scenario.
const (
	ceilingRecord = 700 // KV record: state plus outbox
	ceilingUpdate = 330 // one lifecycle update
)

// benchCeiling measures what the NATS work the SPEC asks for per event costs
// on this machine with none of ordertrack's logic: the same input events,
// partitions and batches, and for each event the same stores the pipeline
// makes (KV compare-and-set with a cached revision, one output with a
// Msg-Id, the lifecycle's schedule and cancel messages, a TTL on the closing
// write) and an ack. All of a batch's publishes are awaited once (the
// pipeline waits twice: state first, then outputs). Its events/s is the
// most a pipeline can reach here with these guarantees.
func (r *benchRun) benchCeiling(ctx context.Context) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	evs, err := sampleEvents(e, r.opts.events, time.Now(), 50_000, 1)
	if err != nil {
		return err
	}
	parts := r.cfg.Streaming.Partitions
	cons := make([]jetstream.Consumer, parts)
	for p := range parts {
		cons[p], err = e.pipeJS.CreateOrUpdateConsumer(ctx, pipeline.EventsStream, jetstream.ConsumerConfig{
			Durable: fmt.Sprintf("ceiling-p%d", p), FilterSubject: e.prov.Topology.PartitionFilter(p),
			AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: max(4*r.cfg.Streaming.MaxBatch, 1000)})
		if err != nil {
			return fmt.Errorf("ceiling consumer: %w", err)
		}
	}
	var done atomic.Int64
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, parts)
	begin := time.Now()
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &ceilingWorker{e: e, js: e.pipeJS, c: cons[p], revs: map[string]uint64{}, written: map[string]bool{}, max: r.cfg.Streaming.MaxBatch}
			if err := w.run(runCtx, &done); err != nil && runCtx.Err() == nil {
				errs <- err
				stop()
			}
		}()
	}
	for _, ev := range evs {
		if err = e.load.publish(ev.subject, ev.data, ev.msgID); err != nil {
			break
		}
	}
	if err == nil {
		err = pollUntil(ctx, 2*time.Minute, func() bool { return done.Load() >= int64(len(evs)) || runCtx.Err() != nil },
			func() error { return fmt.Errorf("ceiling loop processed %d of %d events in 2m", done.Load(), len(evs)) })
	}
	took := time.Since(begin)
	stop()
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	if err != nil {
		return err
	}
	rate := perSecond(len(evs), took)
	r.ceilingRate = rate
	r.report.add("ceiling", "NATS work only, no ordertrack logic", rate, "events/s").Note =
		"same stores and acks per event as the pipeline; its most on this machine"
	return nil
}

// ceilingWorker is the loop of one partition of the ceiling phase.
type ceilingWorker struct {
	e    *benchEnv
	js   jetstream.JetStream
	c    jetstream.Consumer
	revs map[string]uint64
	max  int
	futs []jetstream.PubAckFuture
	kv   []kvFuture
	// written holds the orders of the batch whose KV write is under way.
	written map[string]bool
}

type kvFuture struct {
	id string
	f  jetstream.PubAckFuture
}

func (w *ceilingWorker) run(ctx context.Context, done *atomic.Int64) error {
	record, update := bytes.Repeat([]byte("r"), ceilingRecord), bytes.Repeat([]byte("u"), ceilingUpdate)
	for ctx.Err() == nil {
		batch, err := w.c.Fetch(w.max, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			return err
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
			w.handle(m, record, update)
		}
		if err := w.wait(ctx); err != nil {
			return err
		}
		for _, m := range msgs {
			_ = m.Ack()
		}
		done.Add(int64(len(msgs)))
	}
	return nil
}

// handle makes the stores the pipeline makes for one event of the sample
// lifecycle.
func (w *ceilingWorker) handle(m jetstream.Msg, record, update []byte) {
	topo := w.e.prov.Topology
	id := pipeline.OrderFromSubject(m.Subject())
	stage := ceilingStage(m.Data())
	w.writeState(id, stage, record)
	out := nats.NewMsg(topo.UpdateSubject(id))
	out.Header.Set(jetstream.MsgIDHeader, id+":"+string(stage))
	w.futs = append(w.futs, w.publish(out, update))
	switch stage {
	case order.OrderPlaced:
		w.schedule(id, order.SLAProcessing, 24*time.Hour)
		w.schedule(id, order.SLADelivery, 7*24*time.Hour)
	case order.ProcessingStarted:
		w.cancel(id, order.SLAProcessing)
		w.schedule(id, order.SLAShipping, 3*24*time.Hour)
	case order.ItemShipped:
		w.cancel(id, order.SLAShipping)
	case order.ItemDelivered:
		w.cancel(id, order.SLADelivery)
	}
}

// writeState makes the order's one KV write of the batch (the pipeline
// coalesces an order's events within a batch).
func (w *ceilingWorker) writeState(id string, stage order.EventType, record []byte) {
	if w.written[id] {
		return
	}
	w.written[id] = true
	opts := []jetstream.PublishOpt{jetstream.WithExpectLastSequencePerSubject(w.revs[id])}
	if stage == order.ItemDelivered {
		opts = append(opts, jetstream.WithMsgTTL(w.e.cfg.Retention.CompletedOrders))
	}
	w.kv = append(w.kv, kvFuture{id, w.publish(nats.NewMsg("$KV."+w.e.prov.Orders.Bucket()+"."+id), record, opts...)})
}

func (w *ceilingWorker) publish(m *nats.Msg, data []byte, opts ...jetstream.PublishOpt) jetstream.PubAckFuture {
	m.Data = data
	f, err := w.js.PublishMsgAsync(m, append(opts, jetstream.WithStallWait(30*time.Second))...)
	if err != nil {
		return nil
	}
	return f
}

func (w *ceilingWorker) schedule(id string, sla order.SLA, in time.Duration) {
	topo := w.e.prov.Topology
	at := time.Now().Add(in).UTC().Format(time.RFC3339Nano)
	m := nats.NewMsg(topo.ScheduleSubject(id, sla))
	m.Header.Set(jetstream.ScheduleHeader, "@at "+at)
	m.Header.Set(jetstream.ScheduleTargetHeader, topo.FiredSubject(id, sla))
	w.futs = append(w.futs, w.publish(m, []byte(`{"order_id":"`+id+`","sla":"`+string(sla)+`","deadline":"`+at+`"}`)))
}

func (w *ceilingWorker) cancel(id string, sla order.SLA) {
	m := nats.NewMsg(w.e.prov.Topology.ScheduleSubject(id, sla))
	m.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
	w.futs = append(w.futs, w.publish(m, nil, jetstream.WithMsgTTL(time.Second)))
}

// wait waits for the batch's publishes and remembers the KV revisions.
func (w *ceilingWorker) wait(ctx context.Context) error {
	for _, k := range w.kv {
		ack, err := awaitFuture(ctx, k.f)
		if err != nil {
			return fmt.Errorf("ceiling KV write %s: %w", k.id, err)
		}
		w.revs[k.id] = ack.Sequence
	}
	for _, f := range w.futs {
		if _, err := awaitFuture(ctx, f); err != nil {
			return fmt.Errorf("ceiling publish: %w", err)
		}
	}
	w.kv, w.futs = w.kv[:0], w.futs[:0]
	clear(w.written)
	return nil
}

func awaitFuture(ctx context.Context, f jetstream.PubAckFuture) (*jetstream.PubAck, error) {
	if f == nil {
		return nil, fmt.Errorf("publish not sent")
	}
	select {
	case ack := <-f.Ok():
		return ack, nil
	case err := <-f.Err():
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ceilingStage reads the event type without decoding the event.
func ceilingStage(data []byte) order.EventType {
	for _, t := range []order.EventType{order.OrderPlaced, order.ProcessingStarted, order.ItemShipped, order.ItemDelivered} {
		if bytes.Contains(data, []byte(`"`+string(t)+`"`)) {
			return t
		}
	}
	return order.OrderCancelled
}
