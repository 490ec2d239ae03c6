package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// casRounds bounds how often a batch re-reads and re-applies an order whose
// compare-and-set lost against another writer.
const casRounds = 3

// loadParallelism bounds concurrent KV reads for orders not in the cache.
const loadParallelism = 32

// group is the work of one batch for one order.
type group struct {
	id     string
	events []order.Event
	fired  []order.SLA
	inputs []input

	base    cached // state before the batch
	after   order.State
	updates []order.Update
	write   *kv.Write
	rev     uint64
	err     error
}

// input is a delivered message with its JetStream metadata, parsed once.
type input struct {
	msg jetstream.Msg
	md  *jetstream.MsgMetadata
}

// batch is one micro-batch of a partition.
type batch struct {
	w      *worker
	ctx    context.Context // bounds the batch, from its start to its confirmation
	cancel context.CancelFunc
	size   int
	now    time.Time
	rules  order.Rules // in force for the whole batch
	groups []*group
	byID   map[string]*group
	dead   []delivery // dead-lettered inputs, acked once the letter is stored
	em     emitter
	// deadErr is the first failed publish of a dead letter, if any.
	deadErr error
	// transient is set when part of the batch failed on a transient fault
	// and is held for a retry.
	transient bool
}

// newBatch classifies the deliveries of a batch; ctx bounds the batch until
// it is confirmed.
func (w *worker) newBatch(ctx context.Context, cancel context.CancelFunc, ds []delivery) *batch {
	b := &batch{w: w, ctx: ctx, cancel: cancel, size: len(ds), now: w.p.now(), rules: w.p.rules(),
		byID: map[string]*group{}, em: emitter{js: w.p.js, topo: w.p.topo}}
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
func (b *batch) run() {
	b.load(b.ctx)
	b.commit(b.ctx)
	b.publish()
}

// confirm waits for the batch's publishes, then acks, updates the cache and
// hands back what failed.
func (b *batch) confirm() {
	defer b.cancel()
	b.await(b.ctx)
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

// add classifies one delivery: dead letter, event or fired SLA check.
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
		sla, id, ok := b.w.p.topo.parseFired(d.msg.Subject())
		if !ok {
			b.ack(d.msg)
			return
		}
		g := b.group(id)
		g.fired = append(g.fired, sla)
		g.inputs = append(g.inputs, input{d.msg, md})
		return
	}
	e, err := order.Decode(d.msg.Data(), OrderFromSubject(d.msg.Subject()), md.Timestamp, b.w.p.cfg.SLA.MaxClockSkew)
	var inv *order.InvalidError
	if errors.As(err, &inv) {
		b.deadLetter(d.msg, inv.Reason, inv.Detail)
		return
	}
	g := b.group(e.OrderID)
	g.events = append(g.events, e)
	g.inputs = append(g.inputs, input{d.msg, md})
}

func (b *batch) group(id string) *group {
	g, ok := b.byID[id]
	if !ok {
		g = &group{id: id}
		b.byID[id] = g
		b.groups = append(b.groups, g)
	}
	return g
}

func (b *batch) deadLetter(msg jetstream.Msg, r order.Reason, detail string) {
	b.em.deadLetter(msg, r, detail)
	b.dead = append(b.dead, delivery{msg: msg, timer: isTimer(msg)})
	b.w.p.metrics.deadLetter(r)
}

func (b *batch) ack(msg jetstream.Msg) { _ = msg.Ack() }

// load fills each group's base state from the cache or, concurrently, from
// KV. An order whose first event in the batch is ORDER_PLACED is most likely
// new: it starts from an empty state without a read, and its create-only CAS
// (revision 0) fails if the order exists after all, which leads to a read
// and a re-apply (see commit). Nothing is published before the CAS succeeds.
func (b *batch) load(ctx context.Context) {
	var missing []*group
	for _, g := range b.groups {
		if c, ok := b.w.cache.get(g.id); ok {
			g.base = c
		} else if len(g.events) > 0 && g.events[0].Type == order.OrderPlaced {
			g.base = cached{state: order.NewState(g.id)}
		} else {
			missing = append(missing, g)
		}
	}
	b.fetch(ctx, missing)
}

func (b *batch) fetch(ctx context.Context, gs []*group) {
	sem := make(chan struct{}, loadParallelism)
	var wg sync.WaitGroup
	for _, g := range gs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			g.base, g.err = b.w.read(ctx, g.id, b.now)
		}()
	}
	wg.Wait()
}

// commit applies each group's events and writes the new states with CAS,
// re-reading and re-applying orders that lost a race.
func (b *batch) commit(ctx context.Context) {
	pending := b.groups
	for round := 0; round < casRounds && len(pending) > 0; round++ {
		for _, g := range pending {
			b.apply(g)
		}
		pending = b.waitWrites(ctx, pending)
		b.fetch(ctx, pending)
	}
	for _, g := range pending {
		if g.err == nil {
			g.err = fmt.Errorf("order %s: %w after %d attempts", g.id, kv.ErrConflict, casRounds)
		}
	}
}

// apply computes the group's new state and starts its write.
func (b *batch) apply(g *group) {
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
	if len(g.fired) > 0 && s.Known() {
		var us []order.Update
		s, us = order.Check(s, rules, b.now)
		all = append(all, us...)
	}
	g.after, g.updates, g.write = s, all, nil
	if len(all) == 0 {
		g.rev = g.base.rev
		return
	}
	outbox := append(append([]order.Update(nil), g.base.unsent...), all...)
	data, err := encodeRecord(s, outbox, true, b.now)
	if err == nil {
		g.write, err = b.w.p.orders.WriteAsync(g.id, data, g.base.rev, b.w.p.ttl(s))
	}
	g.err = err
}

// waitWrites waits for the writes and returns the groups that lost a CAS.
func (b *batch) waitWrites(ctx context.Context, gs []*group) []*group {
	var lost []*group
	for _, g := range gs {
		if g.write == nil || g.err != nil {
			continue
		}
		rev, err := g.write.Wait(ctx)
		switch {
		case errors.Is(err, kv.ErrConflict):
			b.w.cache.drop(g.id)
			b.w.p.metrics.conflict()
			lost = append(lost, g)
		case err != nil:
			g.err = err
		default:
			g.rev = rev
		}
	}
	return lost
}

// publish sends the committed outputs and timer changes, plus any outbox a
// previous run left unconfirmed, without waiting for them.
func (b *batch) publish() {
	for _, g := range b.groups {
		if g.err != nil {
			continue
		}
		b.emitGroup(g)
	}
}

// await waits for the publishes. A group fails only if one of its own
// publishes failed (its error names that publish); dead letters fail
// apart.
func (b *batch) await(ctx context.Context) {
	if b.em.wait(ctx) == nil {
		return
	}
	dlq := b.w.p.topo.Prefix + ".dlq."
	for subj, err := range b.em.takeFailed() {
		if strings.HasPrefix(subj, dlq) {
			b.deadErr = cmp.Or(b.deadErr, err)
			continue
		}
		if g := b.byID[OrderFromSubject(subj)]; g != nil && g.err == nil {
			g.err = err
		}
	}
}

func (b *batch) emitGroup(g *group) {
	for _, u := range g.base.unsent {
		b.em.update(u)
	}
	for _, u := range g.updates {
		b.em.update(u)
	}
	prev := earliestPerSLA(b.rules.Pending(g.base.state))
	if g.base.timersUnsent {
		prev = nil
	}
	for _, sla := range g.fired {
		prev = withoutSLA(prev, sla) // a fired schedule is gone
	}
	next := earliestPerSLA(b.rules.Pending(g.after))
	add, cancel := timerDiff(prev, next, g.base.timersUnsent)
	for _, d := range add {
		b.em.schedule(g.id, d)
	}
	for _, sla := range cancel {
		b.em.cancel(g.id, sla)
	}
}

// finish acks what succeeded, updates the cache and NAKs what failed.
// Dead-lettered inputs are acked only if the batch's publishes (their dead
// letters among them) were all stored.
func (b *batch) finish() {
	for _, d := range b.dead {
		switch {
		case b.deadErr == nil:
			b.ack(d.msg)
		case transient(b.deadErr):
			b.faultOf(OrderFromSubject(d.msg.Subject()), b.deadErr)
			b.w.held.add(d)
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
		b.w.cache.put(g.id, cached{state: g.after, rev: g.rev})
		for _, in := range g.inputs {
			b.ack(in.msg)
		}
		out = append(append(out, g.base.unsent...), g.updates...) // re-sent outbox first
		done = append(done, g)
	}
	b.w.p.metrics.applied(done)
	if len(out) > 0 && b.w.p.onUpdates != nil {
		b.w.p.onUpdates(out)
	}
	b.w.afterBatch(b.transient)
}

// fail forgets the group's cached state, which may no longer match KV, and
// leaves its inputs for another try: held by the worker on a transient
// fault (no delivery used up); otherwise NAKed with backoff, and on their
// last allowed delivery held to be dead-lettered.
func (b *batch) fail(g *group) {
	b.w.cache.drop(g.id)
	if transient(g.err) {
		b.faultOf(g.id, g.err)
		for _, in := range g.inputs {
			b.w.held.add(delivery{msg: in.msg, timer: in.md.Stream == SLAStream})
		}
		return
	}
	maxDeliver := uint64(b.w.p.cfg.Streaming.MaxDeliver)
	for _, in := range g.inputs {
		n := in.md.NumDelivered
		b.w.p.log.Warn("order not processed; will retry", "partition", b.w.part, "order", g.id,
			"delivery", n, "max_deliver", maxDeliver, "err", g.err)
		if n >= maxDeliver {
			b.w.held.add(delivery{msg: in.msg, timer: in.md.Stream == SLAStream,
				exhausted: fmt.Sprintf("failed %d deliveries (streaming.max_deliver %d): %v", n, maxDeliver, g.err)})
			continue
		}
		_ = in.msg.NakWithDelay(backoff(n))
	}
}

// faultOf records a transient fault of the batch.
func (b *batch) faultOf(orderID string, err error) {
	b.transient = true
	b.w.p.faults.failed(b.w.part, orderID, err)
}

// backoff is the redelivery delay after n failed deliveries: 100ms doubling
// up to 5s.
func backoff(n uint64) time.Duration {
	d := 100 * time.Millisecond << min(n-1, 6)
	return min(d, 5*time.Second)
}

// timerDiff returns the timers to set and to cancel to go from prev to next.
// With all, every pending timer is set again (replacing a schedule is
// idempotent): a previous run may have committed the state without setting
// them. Timers it may have failed to cancel are left to fire; a fired check
// on a met or closed order emits nothing and leaves no schedule behind.
func timerDiff(prev, next []order.Deadline, all bool) (add []order.Deadline, cancel []order.SLA) {
	for _, d := range next {
		if all || !hasDeadline(prev, d) {
			add = append(add, d)
		}
	}
	if all {
		return add, nil
	}
	for _, sla := range order.SLAs {
		if hasSLA(prev, sla) && !hasSLA(next, sla) {
			cancel = append(cancel, sla)
		}
	}
	return add, cancel
}

// earliestPerSLA keeps the first check instant of each SLA (a warning time
// before the breach check): the schedules are one per order and SLA, and a
// fired check sets the next one.
func earliestPerSLA(ds []order.Deadline) []order.Deadline {
	out := ds[:0:0]
	for _, d := range ds {
		switch i := slices.IndexFunc(out, func(x order.Deadline) bool { return x.SLA == d.SLA }); {
		case i < 0:
			out = append(out, d)
		case d.At.Before(out[i].At):
			out[i] = d
		}
	}
	return out
}

func hasDeadline(ds []order.Deadline, d order.Deadline) bool {
	for _, x := range ds {
		if x.SLA == d.SLA && x.At.Equal(d.At) {
			return true
		}
	}
	return false
}

func hasSLA(ds []order.Deadline, sla order.SLA) bool {
	for _, x := range ds {
		if x.SLA == sla {
			return true
		}
	}
	return false
}

func withoutSLA(ds []order.Deadline, sla order.SLA) []order.Deadline {
	out := ds[:0:0]
	for _, d := range ds {
		if d.SLA != sla {
			out = append(out, d)
		}
	}
	return out
}
