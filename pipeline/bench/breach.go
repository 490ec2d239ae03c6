package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Breach phase shape: each order is placed with an event time in
// [now+breachLead, now+breachLead+breachSpread), and the processing SLA is
// breachSLA, so the deadlines fall due within a few seconds.
const (
	breachSLA    = 2 * time.Second
	breachLead   = 500 * time.Millisecond
	breachSpread = 2500 * time.Millisecond
)

// breaches collects the processing-SLA alerts of the breach phase.
type breaches struct {
	mu      sync.Mutex
	emitted []time.Duration // emitted_at - deadline
	arrived []time.Duration // arrival at the subscriber - deadline
	bad     int
}

func (b *breaches) received(m *nats.Msg) {
	now := time.Now()
	var u struct {
		Deadline  time.Time `json:"deadline"`
		EmittedAt time.Time `json:"emitted_at"`
		Type      string    `json:"event_type"`
	}
	err := json.Unmarshal(m.Data, &u)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil || u.Type != string(order.UpdateBreach) || u.Deadline.IsZero() {
		b.bad++
		return
	}
	b.emitted = append(b.emitted, u.EmittedAt.Sub(u.Deadline))
	b.arrived = append(b.arrived, now.Sub(u.Deadline))
}

func (b *breaches) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.emitted) + b.bad
}

// benchBreach places orders whose processing deadlines fall due within a few
// seconds and measures how late each SLA_BREACH is emitted.
func (r *benchRun) benchBreach(ctx context.Context) error {
	cfg := r.cfg
	cfg.SLA.Processing, cfg.SLA.Clock = breachSLA, "event"
	cfg.SLA.Shipping, cfg.SLA.Delivery = 72*time.Hour, 168*time.Hour
	e, err := r.env(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.close()
	b := &breaches{}
	if err := e.observe(e.prov.Topology.AlertSubject(order.SLAProcessing, "*"), b.received); err != nil {
		return err
	}
	e.start()
	n, last, err := r.placeDue(e)
	if err != nil {
		return err
	}
	if err := pollUntil(ctx, time.Until(last)+20*time.Second, func() bool { return b.count() >= n }, func() error { return nil }); err != nil {
		return err
	}
	b.mu.Lock()
	emitted, arrived, bad := slices.Clone(b.emitted), slices.Clone(b.arrived), b.bad
	b.mu.Unlock()
	slices.Sort(emitted)
	slices.Sort(arrived)
	phase := fmt.Sprintf("breach (%s deadlines)", thousands(int64(n)))
	r.report.add(phase, "breaches received", float64(len(emitted)), "").Note = fmt.Sprintf("of %d; %d malformed", n, bad)
	r.report.add(phase, "p50 lateness (emitted_at - deadline)", ms(percentile(emitted, 0.5)), "ms")
	r.report.atMost(phase, "p99 lateness (emitted_at - deadline)", ms(percentile(emitted, 0.99)), "ms", 500)
	r.report.add(phase, "max lateness", ms(percentile(emitted, 1)), "ms")
	r.report.add(phase, "p99 arrival at subscriber - deadline", ms(percentile(arrived, 0.99)), "ms")
	return nil
}

// placeDue publishes one ORDER_PLACED per deadline and returns the count and
// the last deadline.
func (r *benchRun) placeDue(e *benchEnv) (int, time.Time, error) {
	n := r.opts.Deadlines
	rng := rand.New(rand.NewPCG(3, 3))
	now := time.Now()
	var last time.Time
	for i := range n {
		ts := now.Add(breachLead + time.Duration(rng.Int64N(int64(breachSpread))))
		last = maxTime(last, ts.Add(breachSLA))
		id := benchOrderID("SLA", i)
		if err := e.load.publish(e.prov.Topology.EventSubject(id), placedEvent(id, i, ts), ""); err != nil {
			return 0, last, err
		}
	}
	return n, last, e.load.wait(time.Minute)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
