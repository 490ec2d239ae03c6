package pipeline

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// Outcomes of a processed input event or fired SLA check (EventKey.Outcome).
const (
	OutcomeApplied   = "applied"   // the event moved the order forward
	OutcomeLate      = "late"      // an earlier stage recorded after a later one
	OutcomeDuplicate = "duplicate" // nothing new: no state change, no output
	OutcomeRejected  = "rejected"  // impossible transition: EVENT_REJECTED emitted
	OutcomeBreach    = "breach"    // a fired SLA check found the SLA unmet
	OutcomeMet       = "no_breach" // a fired SLA check found nothing to report
	OutcomeWarning   = "warning"   // a fired SLA check sent an at-risk warning
)

// TypeSLACheck is the EventKey.Type of a fired SLA check.
const TypeSLACheck = "SLA_CHECK"

// Stats are the pipeline's running counters, safe for concurrent use. They
// count what this instance processed since it started; the monitor package
// exports them as Prometheus metrics.
type Stats struct {
	Batches      atomic.Uint64
	Messages     atomic.Uint64
	Events       atomic.Uint64 // input events and fired checks applied
	Updates      atomic.Uint64 // updates emitted
	Breaches     atomic.Uint64
	Warnings     atomic.Uint64 // SLA_AT_RISK emitted
	Conflicts    atomic.Uint64 // CAS conflicts
	BatchNs      atomic.Uint64 // total batch processing time
	Redeliveries atomic.Uint64 // applied messages delivered more than once

	once      sync.Once
	mu        sync.Mutex
	dead      map[order.Reason]uint64
	owned     map[int]bool
	events    map[EventKey]uint64
	breaches  map[order.SLA]uint64
	warnings  map[order.SLA]uint64
	batchSize *Histogram
	batchDur  *Histogram
	latency   map[string]*Histogram // by source: "event", "sla_check"
	stages    [len(Stages)]*Histogram
	trace     atomic.Pointer[func(BatchStages)]
	outcomes  slaOutcomes
	recompute recomputeProgress
}

// EventKey classifies processed inputs: the input event type (or
// TypeSLACheck) and the outcome (Outcome* constants).
type EventKey struct {
	Type    string
	Outcome string
}

// Latency sources (keys of Stats.Latency).
const (
	SourceEvent    = "event"
	SourceSLACheck = "sla_check"
)

func (s *Stats) init() {
	s.once.Do(func() {
		s.batchSize = NewHistogram(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
		s.batchDur = NewHistogram(latencyBounds()...)
		s.latency = map[string]*Histogram{
			SourceEvent: NewHistogram(latencyBounds()...), SourceSLACheck: NewHistogram(latencyBounds()...),
		}
		for i := range s.stages {
			s.stages[i] = NewHistogram(stageBounds()...)
		}
	})
}

// stageBounds are the bounds of the stage histograms in seconds, from
// 100 µs (a KV write) to 1 minute, finer around the tens of milliseconds a
// latency target is set in.
func stageBounds() []float64 {
	return []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .02, .03, .05, .075, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
}

// latencyBounds are histogram bounds in seconds, from 1 ms to 1 minute.
func latencyBounds() []float64 {
	return []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
}

func (s *Stats) batch(n int, d time.Duration) {
	s.init()
	s.Batches.Add(1)
	s.Messages.Add(uint64(n))
	s.BatchNs.Add(uint64(d))
	s.batchSize.Observe(float64(n))
	s.batchDur.Observe(d.Seconds())
}

// batchCounts is what a batch's committed work adds to the counters.
type batchCounts struct {
	inputs  []*jetstream.MsgMetadata // the committed inputs and fired slots
	events  int                      // input events and order checks applied
	keys    []EventKey
	updates int         // updates emitted
	breach  []order.SLA // the SLA of each SLA_BREACH among them
	atRisk  []order.SLA // the SLA of each SLA_AT_RISK among them
	ended   []ended     // SLAs that reached an outcome
}

// count adds a group's updates: how many, and the SLAs breached or at
// risk (without copying the updates).
func (c *batchCounts) count(us []order.Update) {
	c.updates += len(us)
	for _, u := range us {
		switch u.Type {
		case order.UpdateBreach:
			c.breach = append(c.breach, u.SLA)
		case order.UpdateAtRisk:
			c.atRisk = append(c.atRisk, u.SLA)
		}
	}
}

// applied counts a batch's committed work: inputs by type and outcome,
// updates and breaches, redeliveries and the end-to-end latency of each
// message (now minus the time JetStream stored it). The lock is taken once
// per batch.
func (s *Stats) applied(c batchCounts) {
	s.init()
	now := time.Now()
	s.Events.Add(uint64(c.events))
	s.Updates.Add(uint64(c.updates))
	s.outcomes.add(c.ended)
	for _, md := range c.inputs {
		if md.NumDelivered > 1 {
			s.Redeliveries.Add(1)
		}
		src := SourceEvent
		if md.Stream == contract.SLAStream {
			src = SourceSLACheck
		}
		s.latency[src].Observe(now.Sub(md.Timestamp).Seconds())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.events == nil {
		s.events, s.breaches, s.warnings = map[EventKey]uint64{}, map[order.SLA]uint64{}, map[order.SLA]uint64{}
	}
	for _, k := range c.keys {
		s.events[k]++
	}
	for _, sla := range c.breach {
		s.Breaches.Add(1)
		s.breaches[sla]++
	}
	for _, sla := range c.atRisk {
		s.Warnings.Add(1)
		s.warnings[sla]++
	}
}

// Stages of a committed input's way through its batch, in order: the
// values of ordertrack_stage_seconds{stage} and the indexes of
// Stats.Stages.
var Stages = [...]string{
	"fetch",   // JetStream stored the input -> its worker took it into a batch
	"commit",  // taken -> the batch's order states committed to KV
	"publish", // committed -> the batch's outputs and timers stored
	"ack",     // outputs stored -> the input acked
}

// BatchStages is when one batch passed each stage, on the wall clock (the
// pipeline's clock may be simulated; JetStream's timestamps are not), and
// when JetStream stored each of its committed inputs. The sum of an
// input's stages is the time from its storing to its ack.
type BatchStages struct {
	// Stored has one time per committed input: event or fired slot.
	Stored                                 []time.Time
	Taken, Committed, OutputsStored, Acked time.Time
}

// Each calls f with every committed input's time in each stage (index
// into Stages): the per-input view the histograms record.
func (b BatchStages) Each(f func(stage int, d time.Duration)) {
	n := len(b.Stored)
	if n == 0 {
		return
	}
	for _, at := range b.Stored {
		f(0, max(b.Taken.Sub(at), 0))
	}
	for i, d := range []time.Duration{b.Committed.Sub(b.Taken), b.OutputsStored.Sub(b.Committed), b.Acked.Sub(b.OutputsStored)} {
		for range n {
			f(i+1, d)
		}
	}
}

// stageClock is when a batch passed each stage (BatchStages without the
// inputs).
type stageClock struct {
	taken, committed, stored time.Time
}

// staged records, once the batch's inputs are acked, each input's time in
// every stage: the first per input (its stored time), the others once per
// batch with the batch's input count, so the hot path allocates nothing.
func (s *Stats) staged(c stageClock, inputs []*jetstream.MsgMetadata) {
	s.init()
	if len(inputs) == 0 {
		return
	}
	acked := time.Now()
	for _, md := range inputs {
		s.stages[0].Observe(max(c.taken.Sub(md.Timestamp), 0).Seconds())
	}
	n := uint64(len(inputs))
	s.stages[1].ObserveN(c.committed.Sub(c.taken).Seconds(), n)
	s.stages[2].ObserveN(c.stored.Sub(c.committed).Seconds(), n)
	s.stages[3].ObserveN(acked.Sub(c.stored).Seconds(), n)
	if f := s.trace.Load(); f != nil {
		bs := BatchStages{Stored: make([]time.Time, len(inputs)), Taken: c.taken,
			Committed: c.committed, OutputsStored: c.stored, Acked: acked}
		for i, md := range inputs {
			bs.Stored[i] = md.Timestamp
		}
		(*f)(bs)
	}
}

// TraceStages calls f after every batch with its stages (nil: stop); the
// benchmark uses it for exact percentiles. f runs on the partition's
// worker and must be quick.
func (s *Stats) TraceStages(f func(BatchStages)) {
	if f == nil {
		s.trace.Store(nil)
		return
	}
	s.trace.Store(&f)
}

// StageDurations returns, by stage (index into Stages), the histogram of
// seconds committed inputs spent in it.
func (s *Stats) StageDurations() [len(Stages)]HistogramSnapshot {
	s.init()
	var out [len(Stages)]HistogramSnapshot
	for i, h := range s.stages {
		out[i] = h.Snapshot()
	}
	return out
}

func (s *Stats) conflict() { s.Conflicts.Add(1) }

// setOwned records the partitions this instance runs workers for.
func (s *Stats) setOwned(parts []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.owned = map[int]bool{}
	for _, p := range parts {
		s.owned[p] = true
	}
}

// Owned returns the partitions this instance owns right now
// (ordertrack_partition_owned).
func (s *Stats) Owned() map[int]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]bool, len(s.owned))
	for p, v := range s.owned {
		out[p] = v
	}
	return out
}

func (s *Stats) deadLetter(r order.Reason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead == nil {
		s.dead = map[order.Reason]uint64{}
	}
	s.dead[r]++
}

// DeadLetters returns the dead letters sent, by reason.
func (s *Stats) DeadLetters() map[order.Reason]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyMap(s.dead)
}

// EventCounts returns the inputs processed, by type and outcome.
func (s *Stats) EventCounts() map[EventKey]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyMap(s.events)
}

// Recompute returns the progress of this instance's last recompute
// (sla.recompute: open); zero when none ran.
func (s *Stats) Recompute() ownership.RecomputeProgress { return s.recompute.get() }

// SLAOutcomes returns how many SLAs ended in each outcome, by SLA and
// tenant (ordertrack_sla_outcomes_total).
func (s *Stats) SLAOutcomes() map[OutcomeKey]uint64 { return s.outcomes.snapshot() }

// WarningsBySLA returns the SLA_AT_RISK warnings emitted, by SLA.
func (s *Stats) WarningsBySLA() map[order.SLA]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyMap(s.warnings)
}

// BreachesBySLA returns the SLA breaches emitted, by SLA.
func (s *Stats) BreachesBySLA() map[order.SLA]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyMap(s.breaches)
}

// BatchSize returns the histogram of messages per batch.
func (s *Stats) BatchSize() HistogramSnapshot { s.init(); return s.batchSize.Snapshot() }

// BatchDuration returns the histogram of batch processing time in seconds.
func (s *Stats) BatchDuration() HistogramSnapshot { s.init(); return s.batchDur.Snapshot() }

// Latency returns, by source (SourceEvent, SourceSLACheck), the histogram
// of seconds from JetStream storing a message to its batch committing.
func (s *Stats) Latency() map[string]HistogramSnapshot {
	s.init()
	out := make(map[string]HistogramSnapshot, len(s.latency))
	for k, h := range s.latency {
		out[k] = h.Snapshot()
	}
	return out
}

// Histogram counts observations in fixed buckets, safe for concurrent use.
type Histogram struct {
	mu     sync.Mutex
	bounds []float64
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	count  uint64
	sum    float64
}

// HistogramSnapshot is a histogram's state: Cumulative[i] counts the
// observations <= Bounds[i].
type HistogramSnapshot struct {
	Bounds     []float64
	Cumulative []uint64
	Count      uint64
	Sum        float64
}

// NewHistogram returns a histogram with the given ascending upper bounds.
func NewHistogram(bounds ...float64) *Histogram {
	return &Histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

// Observe records one value.
func (h *Histogram) Observe(v float64) { h.ObserveN(v, 1) }

// ObserveN records n observations of the same value.
func (h *Histogram) ObserveN(v float64, n uint64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[i] += n
	h.count += n
	h.sum += v * float64(n)
}

// Snapshot returns the histogram's current state.
func (h *Histogram) Snapshot() HistogramSnapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := HistogramSnapshot{Bounds: h.bounds, Cumulative: make([]uint64, len(h.bounds)), Count: h.count, Sum: h.sum}
	var acc uint64
	for i := range h.bounds {
		acc += h.counts[i]
		s.Cumulative[i] = acc
	}
	return s
}

// recomputeProgress is the Stats' record of ownership.RecomputeProgress.
type recomputeProgress struct {
	mu sync.Mutex
	p  ownership.RecomputeProgress
}

func (r *recomputeProgress) start(total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p = ownership.RecomputeProgress{Total: total, Started: time.Now()}
}

func (r *recomputeProgress) listed(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.Listed += n
}

func (r *recomputeProgress) get() ownership.RecomputeProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.p
}
