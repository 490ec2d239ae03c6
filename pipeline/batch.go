package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// casRounds bounds how often a batch re-reads and re-applies an order whose
// compare-and-set lost against another writer.
const casRounds = 3

// loadParallelism bounds concurrent KV reads for orders not in the cache.
const loadParallelism = 32

// batch is one micro-batch of a partition.
type batch struct {
	pt     *partition
	ctx    context.Context // bounds the batch, from its start to its confirmation
	cancel context.CancelFunc
	size   int
	now    time.Time
	rules  order.Rules // in force for the whole batch
	// rulesGen counts the changes of rules the partition has seen: timers
	// set under other rules say nothing about the ones these rules need.
	rulesGen uint64
	groups   []*orderWork
	byID     map[string]*orderWork
	// slab holds the orderWork values the groups point to, allocated a
	// chunk at a time rather than one by one.
	slab  []orderWork
	slots []slotCheck
	// scheduled lists the orders of each slot schedule the batch publishes,
	// by subject, so that a failed schedule fails its orders.
	scheduled map[string][]string
	dead      []delivery // dead-lettered inputs, acked once the letter is stored
	em        emitter
	// deadErr is the first failed publish of a dead letter, if any.
	deadErr error
	// transient is set when part of the batch failed on a transient fault
	// and is held for a retry.
	transient bool
	clock     stageClock // when it passed each stage (ordertrack_stage_seconds)
}

// newBatch classifies the deliveries of a batch; ctx bounds the batch until
// it is confirmed.
func newBatch(pt *partition, ctx context.Context, cancel context.CancelFunc, ds []delivery) *batch {
	b := &batch{pt: pt, ctx: ctx, cancel: cancel, size: len(ds), now: pt.now(),
		byID: make(map[string]*orderWork, len(ds)), em: emitter{js: pt.js, topo: pt.topo},
		slab: make([]orderWork, 0, len(ds))}
	b.clock.taken = time.Now()
	b.rules, b.rulesGen = pt.rulesNow()
	for _, d := range ds {
		b.add(d)
	}
	return b
}

// A batch runs in two steps: run (decode, load, apply, commit with CAS,
// publish) and confirm (wait for the publishes, ack). Effects are ordered so
// that a crash at any point loses and duplicates nothing: the state write is
// the commit point and carries the outbox; outputs have deterministic
// Msg-Ids; inputs are acked last, once everything they caused is stored.
// Between the two steps the worker may run the next batch (see
// worker.process).
//
// settlePrev confirms the batch before this one (which shares no order
// with it). It runs once this batch's state writes are sent and before
// their acknowledgements are awaited: the previous batch's wait for its
// publishes and its acks overlap this batch's KV round trip instead of
// following it, so that neither batch waits behind the other.
func (b *batch) run(settlePrev func()) {
	b.load(b.ctx)
	b.commit(b.ctx, settlePrev)
	b.clock.committed = time.Now()
	b.publish()
}

// confirm waits for the batch's publishes, then acks, updates the cache and
// hands back what failed.
func (b *batch) confirm() {
	defer b.cancel()
	b.await(b.ctx)
	b.clock.stored = time.Now()
	b.finish()
}

// touches reports whether other has an order (or fired check) of b.
func (b *batch) touches(other *batch) bool {
	for _, g := range other.groups {
		if _, ok := b.byID[g.id]; ok {
			return true
		}
	}
	return false
}

// add classifies one delivery: dead letter, event or fired slot.
func (b *batch) add(d delivery) {
	md, err := d.msg.Metadata()
	if err != nil {
		b.deadLetter(d.msg, order.ReasonInvalidJSON, "message has no JetStream metadata")
		return
	}
	if d.exhausted != "" {
		b.deadLetter(d.msg, order.ReasonMaxDeliveries, d.exhausted)
		b.dead[len(b.dead)-1].exhausted = d.exhausted
		return
	}
	if d.timer {
		sc, err := firedSlot(input{d.msg, md}, b.orderWork)
		if err != nil {
			b.deadLetter(d.msg, order.ReasonInvalidJSON, err.Error())
			return
		}
		b.slots = append(b.slots, sc)
		return
	}
	e, err := order.Decode(d.msg.Data(), contract.OrderFromSubject(d.msg.Subject()), md.Timestamp, b.pt.maxClockSkew)
	var inv *order.InvalidError
	if errors.As(err, &inv) {
		b.deadLetter(d.msg, inv.Reason, inv.Detail)
		return
	}
	g := b.orderWork(e.OrderID)
	g.events = append(g.events, e)
	g.inputs = append(g.inputs, input{d.msg, md})
}

func (b *batch) orderWork(id string) *orderWork {
	g, ok := b.byID[id]
	if !ok {
		if len(b.slab) == cap(b.slab) {
			// A fired slot may list more orders than the batch has
			// deliveries: a new chunk, so that no pointer handed out moves.
			b.slab = make([]orderWork, 0, max(16, cap(b.slab)))
		}
		b.slab = append(b.slab, orderWork{id: id})
		g = &b.slab[len(b.slab)-1]
		b.byID[id] = g
		b.groups = append(b.groups, g)
	}
	return g
}

func (b *batch) deadLetter(msg jetstream.Msg, r order.Reason, detail string) {
	b.em.deadLetter(msg, r, detail)
	b.dead = append(b.dead, delivery{msg: msg, timer: isTimer(msg)})
	b.pt.stats.deadLetter(r)
}

// load fills each order's base state from the cache or, concurrently, from
// KV. An order whose first event in the batch is ORDER_PLACED is most likely
// new: it starts from an empty state without a read, and its create-only CAS
// (revision 0) fails if the order exists after all, which leads to a read
// and a re-apply (see commit). Nothing is published before the CAS succeeds.
func (b *batch) load(ctx context.Context) {
	var missing []*orderWork
	for _, g := range b.groups {
		if c, ok := b.pt.cache.get(g.id); ok {
			g.base = c
		} else if len(g.events) > 0 && g.events[0].Type == order.OrderPlaced {
			g.base = cached{state: order.NewState(g.id)}
		} else {
			missing = append(missing, g)
		}
	}
	b.fetch(ctx, missing)
}

func (b *batch) fetch(ctx context.Context, gs []*orderWork) {
	sem := make(chan struct{}, loadParallelism)
	var wg sync.WaitGroup
	for _, g := range gs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			g.base, g.err = b.pt.read(ctx, g.id, b.now)
		}()
	}
	wg.Wait()
}

// commit applies each order's events and writes the new states with CAS,
// re-reading and re-applying orders that lost a race. meanwhile runs once,
// after the first writes are sent and before they are awaited.
func (b *batch) commit(ctx context.Context, meanwhile func()) {
	pending := b.groups
	for round := 0; round < casRounds && len(pending) > 0; round++ {
		for _, g := range pending {
			b.apply(g)
		}
		if round == 0 {
			meanwhile()
		}
		pending = b.waitWrites(ctx, pending)
		b.fetch(ctx, pending)
	}
	if len(b.groups) == 0 {
		meanwhile()
	}
	for _, g := range pending {
		if g.err == nil {
			g.err = fmt.Errorf("order %s: %w after %d attempts", g.id, kv.ErrConflict, casRounds)
		}
	}
}

// apply computes the order's new state and timers and starts its write.
func (b *batch) apply(g *orderWork) {
	if g.err != nil {
		return
	}
	rules := b.rules
	s, all := g.base.state, []order.Update(nil)
	for _, e := range g.events {
		var us []order.Update
		s, us = order.Apply(s, e, rules, b.now)
		all = append(all, us...)
	}
	if g.recompute {
		s = order.Rechoose(s, rules)
	}
	if g.checks > 0 && s.Known() {
		var us []order.Update
		s, us = order.Check(s, rules, b.now)
		all = append(all, us...)
	}
	g.after, g.updates, g.write = s, all, nil
	g.due = newTimers(b.rules, b.rulesGen, b.now, g)
	if len(all) == 0 && s.SLARule == g.base.state.SLARule && s.Deadlines.Equal(g.base.state.Deadlines) && s.PredictionsEqual(g.base.state) {
		g.rev = g.base.rev
		return
	}
	outbox := append(append([]order.Update(nil), g.base.unsent...), all...)
	data, err := contract.EncodeRecord(s, outbox, b.now)
	if err == nil {
		g.write, err = b.pt.orders.WriteAsync(g.id, data, g.base.rev, b.pt.ttl(s))
	}
	g.err = err
}

// waitWrites waits for the writes and returns the groups that lost a CAS.
func (b *batch) waitWrites(ctx context.Context, gs []*orderWork) []*orderWork {
	var lost []*orderWork
	for _, g := range gs {
		if g.write == nil || g.err != nil {
			continue
		}
		rev, err := g.write.Wait(ctx)
		switch {
		case errors.Is(err, kv.ErrConflict):
			b.pt.cache.drop(g.id)
			b.pt.stats.conflict()
			lost = append(lost, g)
		case err != nil:
			g.err = err
		default:
			g.rev = rev
		}
	}
	return lost
}

// publish sends the committed outputs, plus any outbox a previous run left
// unconfirmed, and the batch's new timers (one schedule per slot, listing
// its orders), without waiting for them.
func (b *batch) publish() {
	var slots slotSet
	for _, g := range b.groups {
		if g.err != nil {
			continue
		}
		for _, u := range g.base.unsent {
			b.em.update(u)
		}
		for _, u := range g.updates {
			b.em.update(u)
		}
		for _, d := range g.due {
			slots.add(g.id, d.At)
		}
	}
	for _, m := range slots.messages(b.pt.topo, b.pt.index) {
		if b.scheduled == nil {
			b.scheduled = map[string][]string{}
		}
		body, _ := parseSlot(m.Data)
		b.scheduled[m.Subject] = body.Orders
		b.em.publish(m)
	}
}

// await waits for the publishes. An order's work fails only if one of its own
// publishes failed (its error names that publish), or a slot schedule
// listing it; dead letters fail apart.
func (b *batch) await(ctx context.Context) {
	if b.em.wait(ctx) == nil {
		return
	}
	for subj, err := range b.em.takeFailed() {
		if _, dead := b.pt.topo.DLQReason(subj); dead {
			b.deadErr = cmp.Or(b.deadErr, err)
			continue
		}
		ids, ok := b.scheduled[subj]
		if !ok {
			ids = []string{contract.OrderFromSubject(subj)}
		}
		for _, id := range ids {
			if g := b.byID[id]; g != nil && g.err == nil {
				g.err = err
			}
		}
	}
}

// finish acks what succeeded, updates the cache and hands back what
// failed. Dead-lettered inputs are acked only if their dead letters were
// stored; a fired slot only if every order it lists succeeded.
func (b *batch) finish() {
	for _, d := range b.dead {
		switch {
		case b.deadErr == nil:
			_ = d.msg.Ack()
		case contract.Transient(b.deadErr):
			b.faultOf(contract.OrderFromSubject(d.msg.Subject()), b.deadErr)
			b.pt.held.add(d)
		default:
			_ = d.msg.NakWithDelay(backoff(1))
		}
	}
	var out []order.Update
	done := b.groups[:0:0]
	for _, g := range b.groups {
		if g.err != nil {
			b.fail(g)
			continue
		}
		if g.after.Known() {
			b.pt.cache.put(g.id, cached{state: g.after, rev: g.rev, timersGen: b.rulesGen})
		}
		if b.pt.onUpdates != nil {
			out = append(append(out, g.base.unsent...), g.updates...) // re-sent outbox first
		}
		done = append(done, g)
	}
	b.settleSlots()
	b.pt.learner.observe(b.rules, done)
	// Counted before acknowledged: whoever sees a consumer with nothing
	// pending sees its work in the statistics too.
	c := b.counts(done)
	b.pt.stats.applied(c)
	for _, g := range done {
		for _, in := range g.inputs {
			_ = in.msg.Ack()
		}
	}
	for _, sc := range b.slots {
		if sc.acked {
			_ = sc.in.msg.Ack()
		}
	}
	b.pt.stats.staged(b.clock, c.inputs)
	if out = b.em.stored(out); len(out) > 0 {
		b.pt.onUpdates(out)
	}
}

// settleSlots marks each fired slot whose orders all succeeded to be acked
// and hands back the others whole, with the error of the first order that
// failed.
func (b *batch) settleSlots() {
	for i := range b.slots {
		sc := &b.slots[i]
		err := sc.failed()
		if sc.acked = err == nil; !sc.acked {
			b.retry(sc.in, contract.OrderFromSubject(sc.in.msg.Subject()), err)
		}
	}
}

// fail forgets the order's cached state, which may no longer match KV, and
// leaves its inputs for another try (retry).
func (b *batch) fail(g *orderWork) {
	b.pt.cache.drop(g.id)
	for _, in := range g.inputs {
		b.retry(in, g.id, g.err)
	}
}

// retry leaves an input for another try: held by the worker on a transient
// fault (no delivery used up); otherwise NAKed with backoff, and on its
// last allowed delivery held to be dead-lettered.
func (b *batch) retry(in input, orderID string, err error) {
	d := delivery{msg: in.msg, timer: in.md.Stream == contract.SLAStream}
	if contract.Transient(err) {
		b.faultOf(orderID, err)
		b.pt.held.add(d)
		return
	}
	n, maxDeliver := in.md.NumDelivered, uint64(b.pt.maxDeliver)
	b.pt.log.Warn("order not processed; will retry", "partition", b.pt.index, "order", orderID,
		"delivery", n, "max_deliver", maxDeliver, "err", err)
	if n >= maxDeliver {
		d.exhausted = fmt.Sprintf("failed %d deliveries (streaming.max_deliver %d): %v", n, maxDeliver, err)
		b.pt.held.add(d)
		return
	}
	_ = in.msg.NakWithDelay(backoff(n))
}

// faultOf records a transient fault of the batch.
func (b *batch) faultOf(orderID string, err error) {
	b.transient = true
	b.pt.faults.failed(b.pt.index, orderID, err)
}

// backoff is the redelivery delay after n failed deliveries: 100ms doubling
// up to 5s.
func backoff(n uint64) time.Duration {
	d := 100 * time.Millisecond << min(n-1, 6)
	return min(d, 5*time.Second)
}

// counts is what the batch's committed groups add to the statistics.
func (b *batch) counts(done []*orderWork) batchCounts {
	var c batchCounts
	for _, g := range done {
		c.events += len(g.events) + g.checks
		c.count(g.updates)
		for _, in := range g.inputs {
			c.inputs = append(c.inputs, in.md)
		}
		c.keys = append(c.keys, classify(g)...)
		c.ended = append(c.ended, endings(g)...)
	}
	for _, sc := range b.slots {
		if sc.acked {
			c.inputs = append(c.inputs, sc.in.md)
		}
	}
	return c
}
