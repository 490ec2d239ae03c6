package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/order/risk"
)

// The learned-risk model of SPEC section 17, kept in JetStream. Committed
// stage events teach it (order.Rules.Samples, once per batch, after the
// commit); an instance adds the samples of all its partitions to one local
// histogram per segment and merges them every learnEvery, or as soon as
// learnFlushSamples are waiting, into the segment's value in
// contract.RiskBucket with compare-and-set (read, Merge, write at that
// revision; again on a conflict): never a write per event. Every instance
// watches the bucket's keys of the current generation and rebuilds the
// Curve of each key that changes, so a committed sample is in every
// instance's model within learnEvery plus a watch delivery (well under the
// 2 s SPEC 17 allows).
//
// A sample is counted when its stage is first committed; it is lost if the
// instance dies before its next merge (at most learnEvery of samples), and
// never counted twice: a redelivered event finds its stage recorded and
// teaches nothing. The model is bounded: at most maxRiskSegments keys per
// generation (later segments learn nothing, logged once), each a
// fixed-size histogram (risk.Histogram: 4.6 KB in memory, at most
// risk.MaxEncodedLen bytes stored). A change of sla.predict.by or of the
// SLA rules' durations, calendars or matches is a new generation
// (order.Rules.ModelGeneration): new keys, learned afresh.

// learnEvery is how often an instance merges its samples into the bucket.
const learnEvery = 500 * time.Millisecond

// learnFlushSamples is how many waiting samples trigger a merge at once.
const learnFlushSamples = 5000

// maxRiskSegments bounds the keys (SLA and segment) of one generation an
// instance learns and holds: 1,024 curves of 4.6 KB, 4.7 MB at most.
const maxRiskSegments = 1024

// casRetries bounds the compare-and-set rounds of one key's merge.
const riskCASRetries = 8

// learner keeps an instance's share of the learned-risk model.
type learner struct {
	kv   jetstream.KeyValue
	topo contract.Topology
	log  *slog.Logger

	mu        sync.Mutex
	lastRules rulesIdentity              // the rules model was last called with
	lastGen   string                     // and their generation
	gen       string                     // the generation the model follows
	pending   map[string]*risk.Histogram // samples not yet merged, by segment key
	waiting   int                        // samples in pending
	full      bool                       // maxRiskSegments reached (logged once)
	kick      chan struct{}              // a merge is due now
	regen     chan struct{}              // gen changed: watch the new keys

	curvesMu sync.RWMutex
	curves   map[string]*risk.Curve // of gen, by segment key
	loaded   chan struct{}          // closed once gen's stored keys are read

	merges, writes, conflicts, samples atomic.Uint64
}

func newLearner(kv jetstream.KeyValue, topo contract.Topology, log *slog.Logger) *learner {
	return &learner{kv: kv, topo: topo, log: log, pending: map[string]*risk.Histogram{},
		kick: make(chan struct{}, 1), regen: make(chan struct{}, 1), curves: map[string]*risk.Curve{}}
}

// riskModel is the order.Model of one generation of a learner.
type riskModel struct {
	l   *learner
	gen string
}

// Curve returns the segment's curve if the learner follows gen.
func (m riskModel) Curve(key string) *risk.Curve {
	m.l.curvesMu.RLock()
	defer m.l.curvesMu.RUnlock()
	if m.l.gen != m.gen {
		return nil
	}
	return m.l.curves[key]
}

// rulesIdentity is what tells, without hashing, that rules are the ones
// whose generation was computed last: a reload builds new segments, by
// and calendars, so the same backing arrays and pointers are the same
// terms.
type rulesIdentity struct {
	processing, shipping, delivery time.Duration
	clock                          order.Clock
	calendar                       *order.Calendar
	segments                       *order.Rule
	nSegments                      int
	by                             *string
	nBy                            int
}

func identityOf(r order.Rules) rulesIdentity {
	id := rulesIdentity{processing: r.Processing, shipping: r.Shipping, delivery: r.Delivery, clock: r.Clock,
		calendar: r.Calendar, nSegments: len(r.Segments), nBy: len(r.Predict.By)}
	if len(r.Segments) > 0 {
		id.segments = &r.Segments[0]
	}
	if len(r.Predict.By) > 0 {
		id.by = &r.Predict.By[0]
	}
	return id
}

// model returns r with the learner's model of r's generation; the first
// call with a new generation makes the learner follow it. It is called
// once per batch: the generation is hashed only when the rules change.
func (l *learner) model(r order.Rules) order.Rules {
	id := identityOf(r)
	l.mu.Lock()
	if id != l.lastRules || l.gen == "" {
		l.lastRules, l.lastGen = id, r.ModelGeneration()
	}
	gen := l.lastGen
	if gen != l.gen {
		l.curvesMu.Lock()
		l.gen, l.curves, l.loaded = gen, map[string]*risk.Curve{}, make(chan struct{})
		l.curvesMu.Unlock()
		l.pending, l.waiting, l.full = map[string]*risk.Histogram{}, 0, false
		signal(l.regen)
	}
	l.mu.Unlock()
	r.Model = riskModel{l: l, gen: gen}
	return r
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// observe adds the samples of a batch's committed orders (before and after
// each commit) under the batch's rules.
func (l *learner) observe(r order.Rules, done []*orderWork) {
	if l == nil {
		return
	}
	m, ok := r.Model.(riskModel)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if m.gen != l.gen {
		return // the rules changed since: these samples belong to the old model
	}
	for _, g := range done {
		r.Samples(g.base.state, g.after, l.add)
	}
	if l.waiting >= learnFlushSamples {
		signal(l.kick)
	}
}

// add counts one sample; l.mu is held.
func (l *learner) add(key string, d time.Duration) {
	h, ok := l.pending[key]
	if !ok {
		if l.full || len(l.pending) >= maxRiskSegments || !l.known(key) && l.segments() >= maxRiskSegments {
			if !l.full {
				l.full = true
				l.log.Warn("learned risk: segment limit reached; new segments learn nothing", "limit", maxRiskSegments, "segment", key)
			}
			return
		}
		h = new(risk.Histogram)
		l.pending[key] = h
	}
	h.Add(d)
	l.waiting++
	l.samples.Add(1)
}

func (l *learner) known(key string) bool {
	l.curvesMu.RLock()
	defer l.curvesMu.RUnlock()
	_, ok := l.curves[key]
	return ok
}

func (l *learner) segments() int {
	l.curvesMu.RLock()
	defer l.curvesMu.RUnlock()
	return len(l.curves)
}

// run merges samples every learnEvery (or when kicked) and follows the
// bucket's keys of the current generation, until ctx ends; then it merges
// what is left, within a few seconds.
func (l *learner) run(ctx context.Context) {
	if l == nil {
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	w := watching{stop: func() {}}
	defer func() { w.stop() }()
	tick := time.NewTicker(learnEvery)
	defer tick.Stop()
	for {
		if gen := l.generation(); gen != "" && gen != w.gen {
			w.stop()
			wctx, cancel := context.WithCancel(ctx)
			w = watching{gen: gen, stop: cancel}
			wg.Add(1)
			go func() { defer wg.Done(); l.follow(wctx, gen) }()
		}
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			l.flush(fctx)
			cancel()
			return
		case <-tick.C:
		case <-l.kick:
		case <-l.regen:
			continue
		}
		l.flush(ctx)
	}
}

// watching is the generation a learner's watch follows.
type watching struct {
	gen  string
	stop context.CancelFunc
}

func (l *learner) generation() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gen
}

// flush merges the waiting samples into the bucket; those of a key whose
// merge failed wait for the next round.
func (l *learner) flush(ctx context.Context) {
	l.mu.Lock()
	gen, batch := l.gen, l.pending
	if len(batch) == 0 {
		l.mu.Unlock()
		return
	}
	l.pending, l.waiting = map[string]*risk.Histogram{}, 0
	l.mu.Unlock()
	l.merges.Add(1)
	var failed error
	for key, h := range batch {
		if err := l.merge(ctx, gen, l.topo.RiskKey(gen, key), h); err != nil {
			failed = err
			l.putBack(gen, key, h)
		}
	}
	if failed != nil && ctx.Err() == nil {
		l.log.Warn("learned risk: merge failed; will retry", "err", failed)
	}
}

// putBack returns samples whose merge failed to the waiting ones.
func (l *learner) putBack(gen, key string, h *risk.Histogram) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if gen != l.gen {
		return
	}
	if p, ok := l.pending[key]; ok {
		_ = h.Merge(p)
	}
	l.pending[key] = h
	l.waiting += int(h.Count())
}

// merge adds h to the value of key with compare-and-set.
func (l *learner) merge(ctx context.Context, gen, key string, h *risk.Histogram) error {
	var err error
	for range riskCASRetries {
		var stored risk.Histogram
		var rev uint64
		e, gerr := l.kv.Get(ctx, key)
		switch {
		case errors.Is(gerr, jetstream.ErrKeyNotFound):
		case gerr != nil:
			return gerr
		default:
			rev = e.Revision()
			if uerr := stored.UnmarshalBinary(e.Value()); uerr != nil {
				l.log.Warn("learned risk: stored value does not decode; starting the segment afresh", "key", key, "err", uerr)
				stored = risk.Histogram{}
			}
		}
		if err = stored.Merge(h); err != nil {
			return err
		}
		data, _ := stored.MarshalBinary()
		if rev == 0 {
			_, err = l.kv.Create(ctx, key, data)
		} else {
			_, err = l.kv.Update(ctx, key, data, rev)
		}
		l.writes.Add(1)
		if err == nil {
			// This instance predicts with its samples at once; the others
			// (and this one again) read them from the watch.
			l.learned(gen, key, data)
			return nil
		}
		if !casConflict(err) {
			return err
		}
		l.conflicts.Add(1)
	}
	return err
}

// casConflict reports whether a KV create or update lost against another
// writer.
func casConflict(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) ||
		errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// follow watches the keys of generation gen and keeps a Curve of each,
// until ctx ends; it watches again after an error.
func (l *learner) follow(ctx context.Context, gen string) {
	for ctx.Err() == nil {
		err := l.watch(ctx, gen)
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("learned risk: watch ended; watching again", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (l *learner) watch(ctx context.Context, gen string) error {
	w, err := l.kv.Watch(ctx, l.topo.RiskFilter(gen), jetstream.IgnoreDeletes())
	if err != nil {
		return err
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("watch closed")
			}
			if e == nil {
				l.markLoaded(gen)
			} else {
				l.learned(gen, e.Key(), e.Value())
			}
		}
	}
}

// markLoaded records that the stored keys of gen are all read.
func (l *learner) markLoaded(gen string) {
	l.curvesMu.Lock()
	defer l.curvesMu.Unlock()
	if l.gen == gen {
		select {
		case <-l.loaded:
		default:
			close(l.loaded)
		}
	}
}

// waitLoaded waits, at most within, until the model of the current
// generation is read from the bucket, so that the first batches after a
// start predict with it.
func (l *learner) waitLoaded(ctx context.Context, within time.Duration) {
	if l == nil {
		return
	}
	l.curvesMu.RLock()
	loaded := l.loaded
	l.curvesMu.RUnlock()
	if loaded == nil {
		return
	}
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case <-loaded:
	case <-t.C:
		l.log.Warn("learned risk: model not read within the wait; starting without it", "wait", within)
	case <-ctx.Done():
	}
}

// learned rebuilds the curve of one stored key of gen.
func (l *learner) learned(gen, kvKey string, value []byte) {
	seg, ok := l.topo.RiskSegment(gen, kvKey)
	if !ok {
		return
	}
	var h risk.Histogram
	if err := h.UnmarshalBinary(value); err != nil {
		l.log.Warn("learned risk: stored value does not decode", "key", kvKey, "err", err)
		return
	}
	c := h.Curve()
	l.curvesMu.Lock()
	defer l.curvesMu.Unlock()
	if l.gen != gen {
		return
	}
	if _, ok := l.curves[seg]; !ok && len(l.curves) >= maxRiskSegments {
		return
	}
	l.curves[seg] = c
}
