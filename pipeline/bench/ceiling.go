package bench

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
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
// Msg-Id, the lifecycle's check instants listed in one slot schedule per
// batch and slot, a TTL on the closing write) and an ack, on the spread
// workload. All of a batch's publishes are awaited once (the
// pipeline waits twice: state first, then outputs). Its events/s is the
// most a pipeline can reach here with these guarantees.
func (r *benchRun) benchCeiling(ctx context.Context) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	evs, err := sampleEvents(e, r.opts.Events, time.Now(), 50_000, 1)
	if err != nil {
		return err
	}
	evs = spread(evs) // as the headline throughput workload
	run, err := startCeiling(ctx, e, r.cfg, false)
	if err != nil {
		return err
	}
	begin := time.Now()
	for _, ev := range evs {
		if err = e.load.publish(ev.subject, ev.data, ev.msgID); err != nil {
			break
		}
	}
	if err == nil {
		err = pollUntil(ctx, 2*time.Minute, func() bool { return run.done.Load() >= int64(len(evs)) || run.ctx.Err() != nil },
			func() error {
				return fmt.Errorf("ceiling loop processed %d of %d events in 2m", run.done.Load(), len(evs))
			})
	}
	took := time.Since(begin)
	if serr := run.stop(); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	rate := perSecond(len(evs), took)
	r.ceilingRate = rate
	r.report.add("ceiling", "NATS work only, no ordertrack logic", rate, "events/s").Note =
		"same stores and acks per event as the pipeline; its most on this machine"
	if r.rawRound > 0 {
		r.report.add("ceiling", "ceiling / raw JetStream round trip", rate/r.rawRound, "x").Note =
			"the most of the ratio below that the NATS work alone allows"
	}
	return nil
}

// ceilingRun is the ceiling's loop running on every partition.
type ceilingRun struct {
	ctx  context.Context // ends when the loop stops or fails
	done atomic.Int64    // events acknowledged
	stop func() error    // stops the loop; the first error of a worker
}

// startCeiling starts one ceiling worker per partition on their own
// durable consumers of ORDER_EVENTS. With inCommitOrder each worker
// consumes as the pipeline does (a running pull, a batch of whatever has
// arrived) and keeps its order of effects: the batch's KV writes are
// awaited before its outputs and timers are sent, and those before its
// acks; without, a worker fetches and sends everything of a batch at once.
func startCeiling(ctx context.Context, e *benchEnv, cfg config.Config, inCommitOrder bool) (*ceilingRun, error) {
	parts := cfg.Streaming.Partitions
	cons := make([]jetstream.Consumer, parts)
	for p := range parts {
		var err error
		cons[p], err = e.pipeJS.CreateOrUpdateConsumer(ctx, contract.EventsStream, jetstream.ConsumerConfig{
			Durable: fmt.Sprintf("ceiling-p%d", p), FilterSubject: e.prov.Topology.PartitionFilter(p),
			AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: max(4*cfg.Streaming.MaxBatch, 1000)})
		if err != nil {
			return nil, fmt.Errorf("ceiling consumer: %w", err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	run := &ceilingRun{ctx: runCtx}
	var wg sync.WaitGroup
	errs := make(chan error, parts)
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &ceilingWorker{e: e, js: e.pipeJS, c: cons[p], part: p, revs: map[string]uint64{}, writes: map[string]*kv.Write{}, max: cfg.Streaming.MaxBatch}
			loop := w.run
			if inCommitOrder {
				loop = w.runInCommitOrder
			}
			if err := loop(runCtx, &run.done); err != nil && runCtx.Err() == nil {
				errs <- err
				cancel()
			}
		}()
	}
	run.stop = func() error {
		cancel()
		wg.Wait()
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	}
	return run, nil
}

// ceilingWorker is the loop of one partition of the ceiling phase.
type ceilingWorker struct {
	e    *benchEnv
	js   jetstream.JetStream
	c    jetstream.Consumer
	part int
	revs map[string]uint64
	due  []pipeline.Due // the batch's new check instants
	max  int
	futs []jetstream.PubAckFuture
	err  error // the first publish of the batch that could not be sent
	// writes holds the batch's KV write of each order (the pipeline
	// coalesces an order's events within a batch).
	writes map[string]*kv.Write
	// outputs holds the batch's outputs until its KV writes are stored
	// (runInCommitOrder); nil otherwise, and each output is sent at once.
	outputs       []*nats.Msg
	inCommitOrder bool
}

func (w *ceilingWorker) run(ctx context.Context, done *atomic.Int64) error {
	record := bytes.Repeat([]byte("r"), ceilingRecord)
	for ctx.Err() == nil {
		batch, err := w.c.Fetch(w.max, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			return err
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
			w.handle(m, record)
		}
		for _, sm := range pipeline.SlotMessages(w.e.prov.Topology, w.part, w.due) {
			w.publish(sm)
		}
		w.due = w.due[:0]
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
// lifecycle; its timers go into the batch's slot schedules (SlotMessages).
func (w *ceilingWorker) handle(m jetstream.Msg, record []byte) {
	topo := w.e.prov.Topology
	id := contract.OrderFromSubject(m.Subject())
	stage := ceilingStage(m.Data())
	w.writeState(id, stage, record)
	out := nats.NewMsg(topo.UpdateSubject(id))
	out.Data = ceilingUpdates[stage]
	out.Header.Set(jetstream.MsgIDHeader, id+":"+string(stage))
	if w.inCommitOrder {
		w.outputs = append(w.outputs, out)
	} else {
		w.publish(out)
	}
	schedule := func(in time.Duration) { w.due = append(w.due, pipeline.Due{OrderID: id, At: time.Now().Add(in)}) }
	switch stage { // met SLAs need no cancel: their checks find nothing due
	case order.OrderPlaced:
		schedule(24 * time.Hour)
		schedule(7 * 24 * time.Hour)
	case order.ProcessingStarted:
		schedule(3 * 24 * time.Hour)
	}
}

// writeState starts the order's one KV write of the batch.
func (w *ceilingWorker) writeState(id string, stage order.EventType, record []byte) {
	if _, ok := w.writes[id]; ok || w.err != nil {
		return
	}
	var ttl time.Duration
	if stage == order.ItemDelivered {
		ttl = w.e.cfg.Retention.CompletedOrders
	}
	wr, err := w.e.prov.Orders.WriteAsync(id, record, w.revs[id], ttl)
	if err != nil {
		w.err = err
		return
	}
	w.writes[id] = wr
}

func (w *ceilingWorker) publish(m *nats.Msg, opts ...jetstream.PublishOpt) {
	if w.err != nil {
		return
	}
	f, err := w.js.PublishMsgAsync(m, append(opts, jetstream.WithStallWait(kv.StallWait))...)
	if err != nil {
		w.err = fmt.Errorf("ceiling publish to %s: %w", m.Subject, err)
		return
	}
	w.futs = append(w.futs, f)
}

// runInCommitOrder is run with the pipeline's consumption, order of
// effects and pipelining (startCeiling): a batch's outputs and timers are
// sent once its state writes are stored, its acks once those are stored
// (two awaited round trips a batch, not one), and the previous batch is
// confirmed while the current one's state writes are stored, as a
// partition worker does.
func (w *ceilingWorker) runInCommitOrder(ctx context.Context, done *atomic.Int64) error {
	record := bytes.Repeat([]byte("r"), ceilingRecord)
	w.inCommitOrder = true
	arrived := make(chan jetstream.Msg, 2*w.max)
	cc, err := w.c.Consume(func(m jetstream.Msg) { arrived <- m }, jetstream.PullMaxMessages(w.max))
	if err != nil {
		return err
	}
	defer cc.Stop()
	var prev struct {
		msgs []jetstream.Msg
		futs []jetstream.PubAckFuture
	}
	confirm := func() error { // the previous batch: its publishes stored, then its acks
		if err := awaitPublishes(ctx, prev.futs); err != nil {
			return err
		}
		for _, m := range prev.msgs {
			_ = m.Ack()
		}
		done.Add(int64(len(prev.msgs)))
		prev.msgs, prev.futs = nil, nil
		return nil
	}
	for {
		msgs := takeArrived(arrived, w.max)
		if len(msgs) == 0 {
			if err := confirm(); err != nil { // never wait for input with a batch unconfirmed
				return err
			}
			select {
			case m := <-arrived:
				msgs = append([]jetstream.Msg{m}, takeArrived(arrived, w.max-1)...)
			case <-ctx.Done():
				return nil
			}
		}
		for _, m := range msgs {
			w.handle(m, record)
		}
		if err := confirm(); err != nil {
			return err
		}
		if err := w.waitWrites(ctx); err != nil {
			return err
		}
		for _, out := range w.outputs {
			w.publish(out)
		}
		w.outputs = w.outputs[:0]
		for _, sm := range pipeline.SlotMessages(w.e.prov.Topology, w.part, w.due) {
			w.publish(sm)
		}
		w.due = w.due[:0]
		if w.err != nil {
			return w.err
		}
		prev.msgs, prev.futs, w.futs = msgs, w.futs, nil
	}
}

// takeArrived takes up to n messages that have arrived, without waiting.
func takeArrived(arrived <-chan jetstream.Msg, n int) []jetstream.Msg {
	var msgs []jetstream.Msg
	for len(msgs) < n {
		select {
		case m := <-arrived:
			msgs = append(msgs, m)
		default:
			return msgs
		}
	}
	return msgs
}

// waitWrites waits for the batch's KV writes and remembers their revisions.
func (w *ceilingWorker) waitWrites(ctx context.Context) error {
	if w.err != nil {
		return w.err
	}
	for id, wr := range w.writes {
		rev, err := wr.Wait(ctx)
		if err != nil {
			return fmt.Errorf("ceiling: %w", err)
		}
		w.revs[id] = rev
	}
	clear(w.writes)
	return nil
}

// wait waits for the batch's KV writes and publishes.
func (w *ceilingWorker) wait(ctx context.Context) error {
	if err := w.waitWrites(ctx); err != nil {
		return err
	}
	err := awaitPublishes(ctx, w.futs)
	w.futs = w.futs[:0]
	return err
}

// awaitPublishes waits until every publish is stored.
func awaitPublishes(ctx context.Context, futs []jetstream.PubAckFuture) error {
	for _, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("ceiling publish to %s: %w", f.Msg().Subject, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// ceilingTypes are the event types of the sample lifecycle with the quoted
// form they take in an event, to read the type without decoding.
var ceilingTypes = func() map[order.EventType][]byte {
	m := map[order.EventType][]byte{}
	for _, t := range []order.EventType{order.OrderPlaced, order.ProcessingStarted, order.ItemShipped, order.ItemDelivered} {
		m[t] = []byte(`"` + string(t) + `"`)
	}
	return m
}()

// ceilingUpdates are the stand-in outputs of each stage, ceilingUpdate
// bytes naming the update's event type as the pipeline's do (the latency
// observer matches an output to its input by it).
var ceilingUpdates = func() map[order.EventType][]byte {
	m := map[order.EventType][]byte{}
	for _, t := range []order.EventType{order.OrderPlaced, order.ProcessingStarted, order.ItemShipped, order.ItemDelivered, order.OrderCancelled} {
		typ := string(t)
		if t == order.OrderPlaced {
			typ = string(order.UpdateConfirmed)
		}
		head := `{"event_type":"` + typ + `","pad":"`
		m[t] = append(append([]byte(head), bytes.Repeat([]byte("u"), max(ceilingUpdate-len(head)-2, 0))...), `"}`...)
	}
	return m
}()

// ceilingStage reads the event type without decoding the event.
func ceilingStage(data []byte) order.EventType {
	for t, quoted := range ceilingTypes {
		if bytes.Contains(data, quoted) {
			return t
		}
	}
	return order.OrderCancelled
}
