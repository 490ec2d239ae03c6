package generator

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Anomaly rates of the realistic scenario.
const (
	duplicateRate  = 0.03 // share of events followed by a duplicate
	lateRate       = 0.02 // share of events published a few seconds after their event time
	outOfOrderRate = 0.03 // share of orders with two consecutive stages swapped
)

// outcome is how one realistic order ends.
type outcome int

const (
	onTime outcome = iota
	cancelled
	processingLate
	shippingLate
	deliveryLate
	stuck
	conflicting
	provenLate
)

// outcomes lists each outcome's share (percent) and mean number of events.
var outcomes = []struct {
	outcome outcome
	percent int
	events  float64
}{
	{onTime, 69, 4},
	{cancelled, 8, 3},      // placed, 0-2 further stages, cancelled
	{processingLate, 5, 4}, // processing 102-150% of the SLA, then on
	{shippingLate, 5, 4},   // shipping 102-150% of the SLA, then on
	{deliveryLate, 5, 4},   // delivered at 102-150% of the SLA
	{stuck, 3, 2},          // placed and 0-2 further stages, then nothing
	{conflicting, 2, 4.5},  // full path + cancel (5), or cancel + next stage (avg 4)
	{provenLate, 3, 4},     // processing in time, its event delayed past the breach: a retraction
}

// realistic is the demo scenario: orders meet, breach, cancel, stall and
// conflict, with duplicates, late and out-of-order deliveries on top.
type realistic struct{}

// anomalies is always true for the realistic scenario.
func (realistic) anomalies() bool { return true }

// eventsPerOrder weighs each outcome's events by its share, plus duplicates.
func (realistic) eventsPerOrder() float64 {
	var sum float64
	for _, o := range outcomes {
		sum += float64(o.percent) / 100 * o.events
	}
	return sum * (1 + duplicateRate)
}

// plan draws an outcome and the event times leading to it.
func (realistic) plan(r *rand.Rand, rules order.Rules, p pace) []step {
	t := onTimeTimes(r, rules, p)
	switch pickOutcome(r) {
	case cancelled:
		return cancelAfter(r, t, r.IntN(3))
	case processingLate:
		return lateProcessing(r, rules, p)
	case shippingLate:
		return lateShipping(r, rules, p)
	case deliveryLate:
		t[3] = max(scale(r, rules.Delivery, 1.02, 1.5), t[2]+scale(r, rules.Delivery, 0.1, 0.5))
	case stuck:
		return forwardSteps(t[:1+r.IntN(3)])
	case conflicting:
		return conflict(r, rules, t)
	case provenLate:
		return provenInTime(r, rules, t)
	}
	return forwardSteps(t[:])
}

// maxSpan bounds an order's last emission: every stage time the outcomes
// draw is within 1.5 times the sum of the SLAs, a conflict adds at most
// 0.2 of the delivery SLA, and late, swapped and duplicate emissions add at
// most 10 s + 2 s + 3 s; a proof published after its breach adds up to the
// processing SLA, the grace and 4 s.
func (realistic) maxSpan(rules order.Rules) time.Duration {
	return 2*(rules.Processing+rules.Shipping+rules.Delivery) + rules.Processing + rules.Grace + 19*time.Second
}

// pickOutcome draws an outcome by its share.
func pickOutcome(r *rand.Rand) outcome {
	n := r.IntN(100)
	for _, o := range outcomes {
		if n < o.percent {
			return o.outcome
		}
		n -= o.percent
	}
	return onTime
}

// stageTimes are the event times of placed, processing, shipped, delivered.
type stageTimes [4]time.Duration

// forwardTypes are the event types of the happy path, matching stageTimes.
var forwardTypes = [4]order.EventType{order.OrderPlaced, order.ProcessingStarted, order.ItemShipped, order.ItemDelivered}

// onTimeTimes draws stage times that meet every SLA: processing and shipping
// at the share of their SLA the order's pace gives, delivery before the
// delivery SLA when it can be met.
func onTimeTimes(r *rand.Rand, rules order.Rules, p pace) stageTimes {
	var t stageTimes
	t[1] = scale(r, rules.Processing, p.lo, p.hi)
	t[2] = t[1] + scale(r, rules.Shipping, p.lo, p.hi)
	t[3] = t[2] + deliveryGap(r, rules, p, t[2])
	return t
}

// deliveryGap is the time from shipping to delivery: the order's pace of
// what is left of the delivery SLA, or a short gap when nothing is left.
func deliveryGap(r *rand.Rand, rules order.Rules, p pace, shipped time.Duration) time.Duration {
	if left := rules.Delivery - shipped; left > 0 {
		return max(scale(r, left, p.lo, p.hi), time.Millisecond)
	}
	return scale(r, rules.Delivery, 0.05, 0.1)
}

// lateProcessing breaches the processing SLA, then continues on time.
func lateProcessing(r *rand.Rand, rules order.Rules, p pace) []step {
	var t stageTimes
	t[1] = scale(r, rules.Processing, 1.02, 1.5)
	t[2] = t[1] + scale(r, rules.Shipping, p.lo, p.hi)
	t[3] = t[2] + deliveryGap(r, rules, p, t[2])
	return forwardSteps(t[:])
}

// lateShipping breaches the shipping SLA, then continues.
func lateShipping(r *rand.Rand, rules order.Rules, p pace) []step {
	var t stageTimes
	t[1] = scale(r, rules.Processing, p.lo, p.hi)
	t[2] = t[1] + scale(r, rules.Shipping, 1.02, 1.5)
	t[3] = t[2] + deliveryGap(r, rules, p, t[2])
	return forwardSteps(t[:])
}

// provenInTime meets every SLA, but the processing event and those after
// it are published 2-4s after the processing deadline (plus grace): the
// breach goes out first, and the late event retracts it (SPEC 11).
func provenInTime(r *rand.Rand, rules order.Rules, t stageTimes) []step {
	steps := forwardSteps(t[:])
	delay := rules.Processing - t[1] + rules.Grace + jitter(r, 2*time.Second, 4*time.Second)
	for i := 1; i < len(steps); i++ {
		steps[i].delay = delay
	}
	steps[1].kind = KindDelayedProof
	return steps
}

// cancelAfter keeps the first 1+reached stages, then cancels before the next.
func cancelAfter(r *rand.Rand, t stageTimes, reached int) []step {
	steps := forwardSteps(t[:1+reached])
	prev, next := t[reached], t[reached+1]
	at := prev + max(time.Duration(float64(next-prev)*(0.1+0.8*r.Float64())), time.Millisecond)
	return append(steps, step{typ: order.OrderCancelled, at: at.Truncate(time.Millisecond), kind: KindNormal})
}

// conflict plans an impossible event: a cancellation after delivery, or the
// next stage arriving after a cancellation.
func conflict(r *rand.Rand, rules order.Rules, t stageTimes) []step {
	if r.IntN(2) == 0 {
		at := t[3] + scale(r, rules.Delivery, 0.05, 0.2)
		return append(forwardSteps(t[:]), step{typ: order.OrderCancelled, at: at, kind: KindConflict})
	}
	reached := r.IntN(3)
	steps := cancelAfter(r, t, reached)
	return append(steps, step{typ: forwardTypes[reached+1], at: t[reached+1], kind: KindConflict})
}

// forwardSteps turns stage times into the happy-path events they time.
func forwardSteps(t []time.Duration) []step {
	steps := make([]step, len(t), len(t)+2)
	for i, at := range t {
		steps[i] = step{typ: forwardTypes[i], at: at, kind: KindNormal}
	}
	return steps
}

// scale returns d times a uniform factor in [lo, hi), truncated to milliseconds.
func scale(r *rand.Rand, d time.Duration, lo, hi float64) time.Duration {
	f := lo + (hi-lo)*r.Float64()
	return time.Duration(float64(d) * f).Truncate(time.Millisecond)
}

// scheduleWithAnomalies queues an order's emissions: one pair of consecutive
// stages may be swapped, any event may be late, and any may be duplicated.
func (g *Generator) scheduleWithAnomalies(o orderInfo, steps []step) {
	// A late cancellation could be published after the conflict it sets up,
	// and a delayed proof is late already: neither gets more anomalies.
	conflicts := slices.ContainsFunc(steps, func(s step) bool { return s.kind == KindConflict })
	swap := -1
	if g.rng.Float64() < outOfOrderRate && steps[len(steps)-1].delay == 0 {
		swap = pickSwap(g.rng, steps)
	}
	for i, s := range steps {
		e := Emission{At: o.start.Add(s.at + s.delay), Event: g.event(o, s), Kind: s.kind}
		switch {
		case i == swap:
			e.At = o.start.Add(steps[i+1].at + jitter(g.rng, 100*time.Millisecond, 2*time.Second))
			e.Kind = KindOutOfOrder
		case i == swap+1 && swap >= 0: // the stage overtaken stays on time
		case s.kind == KindNormal && s.delay == 0 && !conflicts && g.rng.Float64() < lateRate:
			e.At = e.At.Add(jitter(g.rng, 2*time.Second, 10*time.Second))
			e.Kind = KindLate
		}
		g.push(e)
		if g.rng.Float64() < duplicateRate {
			dup := Emission{At: e.At.Add(jitter(g.rng, 200*time.Millisecond, 3*time.Second)),
				Event: e.Event, Duplicate: true, Kind: KindDuplicate}
			g.push(dup)
		}
	}
}

// pickSwap chooses an index i such that steps i and i+1 are consecutive
// forward stages both on time, or -1 when there is none.
func pickSwap(r *rand.Rand, steps []step) int {
	var candidates [3]int
	n := 0
	for i := 0; i+1 < len(steps); i++ {
		a, b := steps[i], steps[i+1]
		if a.kind == KindNormal && b.kind == KindNormal && a.typ != order.OrderCancelled && b.typ != order.OrderCancelled {
			candidates[n] = i
			n++
		}
	}
	if n == 0 {
		return -1
	}
	return candidates[r.IntN(n)]
}

// jitter returns a uniform duration in [lo, hi), truncated to milliseconds.
func jitter(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return (lo + time.Duration(r.Int64N(int64(hi-lo)))).Truncate(time.Millisecond)
}
