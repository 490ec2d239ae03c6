package pipeline

import (
	"log/slog"
	"reflect"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// partition is everything a batch of one partition works with, as one
// value: the batch never reaches back into its worker or the pipeline.
type partition struct {
	index   int
	js      jetstream.JetStream
	topo    contract.Topology
	orders  *kv.Store
	updates jetstream.Stream   // ORDER_UPDATES, read back by recovery
	rules   func() order.Rules // the SLAs in force, read once per batch
	// lastRules and rulesGen: the rules of the last batch and how often
	// they changed (rulesNow); used by the worker's goroutine only.
	lastRules order.Rules
	rulesGen  uint64
	// maxDeliver is streaming.max_deliver; duplicateWindow
	// streaming.duplicate_window; maxClockSkew sla.max_clock_skew;
	// completedTTL retention.completed_orders.
	maxDeliver      int
	duplicateWindow time.Duration
	maxClockSkew    time.Duration
	completedTTL    time.Duration
	cache           *stateCache
	held            *held     // the worker's deliveries kept for a retry
	faults          *faultLog // transient faults, logged once per burst
	stats           *Stats
	log             *slog.Logger
	now             func() time.Time
	onUpdates       func([]order.Update)
	learner         *learner // learns from committed batches; nil: none
}

// partition returns what the batches of partition i work with.
func (p *Pipeline) partition(i int, h *held) *partition {
	return &partition{
		index: i, js: p.js, topo: p.topo, orders: p.orders, updates: p.prov.Updates, rules: p.rules,
		maxDeliver: p.cfg.Streaming.MaxDeliver, duplicateWindow: p.cfg.Streaming.DuplicateWindow,
		maxClockSkew: p.cfg.SLA.MaxClockSkew, completedTTL: p.cfg.Retention.CompletedOrders,
		cache: newStateCache(max(p.cacheLimit/p.topo.Partitions, 1000)),
		held:  h, faults: p.faults, stats: p.metrics, log: p.log, now: p.now, onUpdates: p.onUpdates,
		learner: p.learner,
	}
}

// rulesNow returns the rules for a new batch and their generation, which
// changes whenever the rules differ from the previous batch's (a reload).
func (pt *partition) rulesNow() (order.Rules, uint64) {
	r := pt.rules()
	if pt.rulesGen == 0 || !reflect.DeepEqual(r, pt.lastRules) {
		pt.lastRules = r
		pt.rulesGen++
	}
	return r, pt.rulesGen
}

// ttl is how long a written state lives: completed orders expire after
// retention.completed_orders; open orders never.
func (pt *partition) ttl(s order.State) time.Duration {
	if s.Closed() {
		return pt.completedTTL
	}
	return 0
}
