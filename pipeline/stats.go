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
	})
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
	updates []order.Update
	ended   []ended // SLAs that reached an outcome
}

// applied counts a batch's committed work: inputs by type and outcome,
// updates and breaches, redeliveries and the end-to-end latency of each
// message (now minus the time JetStream stored it). The lock is taken once
// per batch.
func (s *Stats) applied(c batchCounts) {
	s.init()
	now := time.Now()
	s.Events.Add(uint64(c.events))
	s.Updates.Add(uint64(len(c.updates)))
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
	for _, u := range c.updates {
		switch u.Type {
		case order.UpdateBreach:
			s.Breaches.Add(1)
			s.breaches[u.SLA]++
		case order.UpdateAtRisk:
			s.Warnings.Add(1)
			s.warnings[u.SLA]++
		}
	}
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
func (h *Histogram) Observe(v float64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[i]++
	h.count++
	h.sum += v
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
