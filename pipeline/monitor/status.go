package monitor

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/notify"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// Status is the pipeline's progress, the original's lastProgress read from
// NATS: the JSON of status --json and of /api/status.
type Status struct {
	At          time.Time         `json:"at"`
	Interval    float64           `json:"interval_seconds"`
	Stored      uint64            `json:"events_stored"`
	Processed   uint64            `json:"events_processed"`
	InputRate   float64           `json:"input_rate"`
	ProcessRate float64           `json:"processing_rate"`
	Partitions  []PartitionStatus `json:"partitions"`
	// Instances are the running instances (SPEC section 10), from their
	// heartbeats in the ORDERTRACK_INSTANCES bucket.
	Instances   []Instance        `json:"instances"`
	Orders      map[string]uint64 `json:"orders_by_status,omitempty"`
	Timers      map[string]uint64 `json:"pending_sla_timers,omitempty"`
	Breaches    map[string]uint64 `json:"breaches_by_sla"`
	Warnings    map[string]uint64 `json:"warnings_by_sla"`
	DeadLetters map[string]uint64 `json:"dead_letters_by_reason"`
	// Ingest are the ingest sources of every instance (SPEC section
	// 16), each naming its instance.
	Ingest []ownership.Source `json:"ingest"`
	// Webhooks is each webhook's backlog (SPEC section 13), when the
	// reader knows the webhooks.
	Webhooks []notify.Pending `json:"webhooks,omitempty"`
}

// PartitionStatus is one partition's progress.
type PartitionStatus struct {
	Partition     int       `json:"partition"`
	Pending       uint64    `json:"pending"`
	AckPending    int       `json:"ack_pending"`
	Redelivered   int       `json:"redelivered"`
	ChecksPending uint64    `json:"sla_checks_pending"`
	BehindSeconds float64   `json:"behind_seconds"`
	Owner         string    `json:"owner,omitempty"`
	OwnerSince    time.Time `json:"owner_since,omitzero"`
	Consuming     bool      `json:"consuming"`
}

// Instance is one running ordertrack run (SPEC section 10).
type Instance struct {
	Name           string    `json:"name"`
	Partitions     []int     `json:"partitions"`
	Since          time.Time `json:"since"`
	Version        string    `json:"version,omitempty"`
	ConfigHash     string    `json:"config_hash,omitempty"`
	ConfigLoadedAt time.Time `json:"config_loaded_at,omitzero"`
	// Recompute is the progress of its last sla.recompute: open, if any.
	Recompute *ownership.RecomputeProgress `json:"recompute,omitempty"`
	// Ingest are the ingest sources it runs (also in Status.Ingest).
	Ingest []ownership.Source `json:"ingest,omitempty"`
}

// StatusReader computes Status from NATS. Orders, when set, counts the
// orders by status (status scans the bucket; the monitor server reuses its
// periodic scan); nil leaves orders_by_status out.
type StatusReader struct {
	JS       jetstream.JetStream
	Topology contract.Topology
	Orders   func(context.Context) (map[order.Stage]uint64, error)
	// Webhooks, when set, names the configured webhooks (notify.webhooks)
	// whose backlog Status reports.
	Webhooks func() []string
	// Timers, when set, counts the pending SLA deadlines by SLA (from the
	// orders' states, see CountTimers); nil leaves pending_sla_timers out.
	Timers func(context.Context) (map[order.SLA]uint64, error)
}

// Sample takes one progress sample: the input stream and every partition's
// consumers.
func (s StatusReader) Sample(ctx context.Context) (Sample, error) {
	return TakeSample(ctx, s.JS, s.Topology)
}

// Report samples progress again and returns the status with the rates
// since prev, and the new sample (the next call's prev).
func (s StatusReader) Report(ctx context.Context, prev Sample) (Status, Sample, error) {
	cur, err := s.Sample(ctx)
	if err != nil {
		return Status{}, prev, err
	}
	r := Status{At: cur.At, Interval: cur.At.Sub(prev.At).Seconds(), Stored: cur.Stored, Processed: cur.Processed(), Instances: []Instance{}}
	instances, err := ownership.ReadInstances(ctx, s.JS, s.Topology.Prefix)
	if err != nil {
		return r, cur, err
	}
	r.Ingest = []ownership.Source{}
	for _, in := range instances {
		r.Instances = append(r.Instances, Instance(in))
		for _, src := range in.Ingest {
			src.Instance = in.Name
			r.Ingest = append(r.Ingest, src)
		}
	}
	r.InputRate, r.ProcessRate = Rates(prev, cur)
	for _, p := range cur.Partitions {
		ps := PartitionStatus{Partition: p.Index, AckPending: p.AckPending(), Redelivered: p.Redelivered(), Consuming: p.Served()}
		if p.Events != nil {
			ps.Pending = p.Events.NumPending
		}
		if p.Timers != nil {
			ps.ChecksPending = p.Timers.NumPending
		}
		ps.Owner, ps.OwnerSince = p.Owner()
		behind, err := Behind(ctx, s.JS, s.Topology, p, cur.At)
		if err != nil {
			return r, cur, err
		}
		ps.BehindSeconds = behind.Seconds()
		r.Partitions = append(r.Partitions, ps)
	}
	return r, cur, s.counts(ctx, &r)
}

func (s StatusReader) counts(ctx context.Context, r *Status) error {
	breaches, err := CountBreaches(ctx, s.JS, s.Topology)
	if err != nil {
		return err
	}
	warnings, err := CountWarnings(ctx, s.JS, s.Topology)
	if err != nil {
		return err
	}
	r.Breaches, r.Warnings = bySLA(breaches), bySLA(warnings)
	if r.DeadLetters, err = CountDeadLetters(ctx, s.JS, s.Topology); err != nil {
		return err
	}
	if s.Webhooks != nil {
		if names := s.Webhooks(); len(names) > 0 {
			r.Webhooks = notify.PendingOf(ctx, s.JS, s.Topology, names)
		}
	}
	if s.Orders != nil {
		orders, err := s.Orders(ctx)
		if err != nil {
			return err
		}
		if orders != nil {
			r.Orders = map[string]uint64{}
			for st, n := range orders {
				r.Orders[string(st)] = n
			}
		}
	}
	if s.Timers != nil {
		timers, err := s.Timers(ctx)
		if err != nil {
			return err
		}
		if timers != nil {
			r.Timers = bySLA(timers)
		}
	}
	return nil
}

func bySLA(m map[order.SLA]uint64) map[string]uint64 {
	out := map[string]uint64{}
	for _, sla := range order.SLAs {
		out[string(sla)] = m[sla]
	}
	return out
}
