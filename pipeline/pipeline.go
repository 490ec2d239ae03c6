package pipeline

import (
	"cmp"
	"log/slog"
	"runtime"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// Options configure a Pipeline.
type Options struct {
	Config config.Config
	// Rules are the SLAs in force; default: from Config.SLA.
	Rules *order.Rules
	// LiveRules, if set, returns the SLAs in force; it is called once per
	// batch, so a reload takes effect between batches. It overrides Rules.
	LiveRules func() order.Rules
	// Log receives operational logs; default: discard.
	Log *slog.Logger
	// Now is the processing clock; default time.Now.
	Now func() time.Time
	// OnUpdates, if set, is called with every batch's new updates once they
	// are stored (the console sink). It must not block for long.
	OnUpdates func([]order.Update)
	// CacheLimit bounds the order states cached per instance; default 200,000.
	CacheLimit int
	// Instance names this instance and what its heartbeat says about it;
	// default name Config.InstanceName().
	Instance InstanceInfo
}

// InstanceInfo is what an instance's heartbeat says about it besides its
// partitions (SPEC section 10).
type InstanceInfo struct {
	Name    string
	Version string // default "dev"
	// Live, if set, gives the configuration's hash and load time, which
	// change on a reload; otherwise the hash of Config at the start.
	Live *config.Live
	// ConfigHash is used when Live is nil; default config.Hash(Config).
	ConfigHash string
	// Ingest, if set, reports the ingest sources run hosts (the Kafka
	// source) at each heartbeat.
	Ingest func() []ownership.Source
}

// Pipeline processes order events: one worker per partition.
type Pipeline struct {
	js          jetstream.JetStream
	prov        *contract.Provisioned
	topo        contract.Topology
	orders      *kv.Store
	cfg         config.Config
	rules       func() order.Rules // read once per batch
	log         *slog.Logger
	now         func() time.Time
	onUpdates   func([]order.Update)
	cacheLimit  int
	metrics     *Stats
	batchTokens chan struct{} // CPU tokens: bounds the batches processed at once
	faults      *faultLog
	instance    InstanceInfo
	learner     *learner // the learned-risk model (learn.go); nil without its bucket
}

// New returns a pipeline over provisioned objects.
func New(js jetstream.JetStream, prov *contract.Provisioned, opts Options) *Pipeline {
	p := &Pipeline{
		js: js, prov: prov, topo: prov.Topology, orders: prov.Orders, cfg: opts.Config,
		rules: opts.LiveRules, log: opts.Log, now: opts.Now, onUpdates: opts.OnUpdates,
		cacheLimit: opts.CacheLimit, metrics: &Stats{outcomes: slaOutcomes{limit: opts.Config.Monitor.TenantLabelLimit}},
	}
	if p.rules == nil {
		fixed := opts.Config.Rules()
		if opts.Rules != nil {
			fixed = *opts.Rules
		}
		p.rules = func() order.Rules { return fixed }
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if prov.Risk != nil {
		p.learner = newLearner(prov.Risk, p.topo, p.log)
		base := p.rules
		p.rules = func() order.Rules { return p.learner.model(base()) }
		p.rules() // follow the generation of the rules at the start
	}
	p.faults = &faultLog{log: p.log}
	p.instance = opts.Instance
	p.instance.Name = cmp.Or(p.instance.Name, opts.Config.InstanceName())
	p.instance.Version = cmp.Or(p.instance.Version, "dev")
	p.instance.ConfigHash = cmp.Or(p.instance.ConfigHash, config.Hash(opts.Config))
	if p.now == nil {
		p.now = time.Now
	}
	p.batchTokens = make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))
	if p.cacheLimit == 0 {
		p.cacheLimit = 200_000
	}
	return p
}

// Stats returns the pipeline's running counters.
func (p *Pipeline) Stats() *Stats { return p.metrics }

// Name returns the instance's name (instance.name).
func (p *Pipeline) Name() string { return p.instance.Name }
