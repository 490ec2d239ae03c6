package pipeline

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// owner runs the workers of the partitions this instance owns. Every
// heartbeat (a third of streaming.pinned_ttl) it writes its claim, reads
// the claims of the live instances and applies its row of Assign: it stops
// the workers of partitions it gives up (each finishes its batch, hands
// back the rest and unpins) and starts those it takes. The pinned consumers
// stay the guard: a worker started for a partition another instance still
// holds receives nothing until that instance unpins or its pin expires.
type owner struct {
	p        *Pipeline
	kv       jetstream.KeyValue
	stream   jetstream.Stream // the bucket's stream, read by ownership.ReadFrom
	self     ownership.Instance
	ttl      time.Duration
	running  map[int]*runningWorker
	members  []string // live instances at the last assignment
	done     chan int // a worker ended by itself (partition index)
	mu       sync.Mutex
	finished handBack // what the stopped workers finished and handed back
}

type runningWorker struct {
	w      *worker
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (p *Pipeline) newOwner(kv jetstream.KeyValue, s jetstream.Stream) *owner {
	now := time.Now()
	self := ownership.Instance{Name: p.instance.Name, Version: p.instance.Version, Since: now,
		ConfigHash: p.instance.ConfigHash, ConfigLoadedAt: now}
	if p.instance.Live != nil {
		self.ConfigHash, self.ConfigLoadedAt = p.instance.Live.Hash(), p.instance.Live.LoadedAt()
	}
	return &owner{p: p, kv: kv, stream: s, self: self, ttl: p.cfg.Streaming.PinnedTTL,
		running: map[int]*runningWorker{}, done: make(chan int, p.topo.Partitions)}
}

// run keeps the assignment until ctx is done, then stops every worker and
// removes the heartbeat so the others take over at once.
func (o *owner) run(ctx context.Context) {
	tick := time.NewTicker(max(o.ttl/3, 500*time.Millisecond))
	defer tick.Stop()
	for {
		o.rebalance(ctx)
		select {
		case <-ctx.Done():
			o.stop()
			return
		case <-tick.C:
		case part := <-o.done:
			o.reap(part)
		}
	}
}

// rebalance writes the heartbeat, reads the claims and applies this
// instance's share. With NATS not answering it keeps what it runs: the
// workers hold their deliveries, and a partition lost meanwhile (its pin
// expired) receives nothing more.
func (o *owner) rebalance(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, max(o.ttl/3, time.Second))
	defer cancel()
	o.beat(rctx)
	live, err := ownership.ReadFrom(rctx, o.stream, o.p.topo.Prefix)
	if err != nil {
		o.p.log.Debug("instances unreadable; keeping the partitions owned", "err", err)
		return
	}
	claims := []ownership.Claim{{Name: o.self.Name, Partitions: o.owned()}}
	var names []string
	for _, in := range live {
		names = append(names, in.Name)
		if in.Name != o.self.Name {
			claims = append(claims, ownership.Claim{Name: in.Name, Partitions: in.Partitions})
		}
	}
	if !slices.Contains(names, o.self.Name) {
		names = append(names, o.self.Name)
	}
	slices.Sort(names)
	want := ownership.Assign(o.p.topo.Partitions, claims)[o.self.Name]
	reason := o.reason(names)
	changed := o.apply(ctx, want, reason)
	o.members = names
	if changed {
		o.beat(rctx) // tell the others at once what was given up
	}
}

// reason says why the assignment changed: the instances that joined or left.
func (o *owner) reason(names []string) string {
	var joined, left []string
	for _, n := range names {
		if !slices.Contains(o.members, n) && n != o.self.Name {
			joined = append(joined, n)
		}
	}
	for _, n := range o.members {
		if !slices.Contains(names, n) {
			left = append(left, n)
		}
	}
	r := fmt.Sprintf("%d instances %v", len(names), names)
	if o.members == nil {
		return "instance started; " + r
	}
	if len(joined) > 0 {
		r += fmt.Sprintf(", joined %v", joined)
	}
	if len(left) > 0 {
		r += fmt.Sprintf(", left or stopped heartbeating %v", left)
	}
	return r
}

// apply stops the workers of partitions not in want (all at once, each
// handing back its deliveries) and starts those of want not running.
func (o *owner) apply(ctx context.Context, want []int, reason string) bool {
	var stopping []int
	for part := range o.running {
		if !slices.Contains(want, part) {
			stopping = append(stopping, part)
		}
	}
	slices.Sort(stopping)
	if len(stopping) > 0 {
		o.p.log.Info("partitions given up", "partitions", stopping, "instance", o.self.Name, "reason", reason)
	}
	o.stopWorkers(stopping)
	var taken []int
	for _, part := range want {
		if _, ok := o.running[part]; !ok {
			o.start(ctx, part)
			taken = append(taken, part)
		}
	}
	if len(taken) > 0 {
		o.p.log.Info("partitions taken", "partitions", taken, "instance", o.self.Name, "owned", o.owned(), "reason", reason)
	}
	o.p.metrics.setOwned(o.owned())
	return len(taken) > 0 || len(stopping) > 0
}

func (o *owner) start(ctx context.Context, part int) {
	wctx, cancel := context.WithCancel(ctx)
	rw := &runningWorker{w: newWorker(o.p, part), cancel: cancel, done: make(chan struct{})}
	o.running[part] = rw
	go func() {
		defer close(rw.done)
		rw.err = rw.w.run(wctx)
		if wctx.Err() == nil {
			o.done <- part // ended by itself: reap and start again later
		}
	}()
}

// reap forgets a worker that ended by itself (it could not open its
// consumers, e.g. during a leader election); the next rebalance starts it
// again.
func (o *owner) reap(part int) {
	rw, ok := o.running[part]
	if !ok {
		return
	}
	<-rw.done
	delete(o.running, part)
	o.p.log.Warn("partition worker stopped; retrying at the next heartbeat", "partition", part, "err", rw.err)
	o.p.metrics.setOwned(o.owned())
}

// stopWorkers stops the given workers in parallel and waits for them.
func (o *owner) stopWorkers(parts []int) {
	for _, part := range parts {
		o.running[part].cancel()
	}
	for _, part := range parts {
		rw := o.running[part]
		<-rw.done
		delete(o.running, part)
		o.p.faults.ok(part)
		o.mu.Lock()
		o.finished.Finished += rw.w.stopStats.Finished
		o.finished.HandedBack += rw.w.stopStats.HandedBack
		o.mu.Unlock()
	}
}

// stop removes the heartbeat first, so that the others start pulling the
// partitions while this instance finishes its batches (the pins keep them
// apart), then stops every worker and says what it finished and handed back.
func (o *owner) stop() {
	parts := o.owned()
	dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := o.kv.Delete(dctx, o.p.topo.InstanceKey(o.self.Name)); err != nil {
		o.p.log.Debug("remove heartbeat", "err", err)
	}
	o.stopWorkers(parts)
	o.p.metrics.setOwned(nil)
	o.p.log.Info("pipeline stopped; partitions handed back", "instance", o.self.Name, "partitions", parts,
		"events_finished", o.finished.Finished, "events_handed_back", o.finished.HandedBack)
}

// owned returns the partitions with a running worker, sorted.
func (o *owner) owned() []int {
	return slices.Sorted(maps.Keys(o.running))
}

func (o *owner) beat(ctx context.Context) {
	o.self.Partitions = o.owned()
	if o.self.Partitions == nil {
		o.self.Partitions = []int{}
	}
	if o.p.instance.Live != nil {
		o.self.ConfigHash, o.self.ConfigLoadedAt = o.p.instance.Live.Hash(), o.p.instance.Live.LoadedAt()
	}
	if rp := o.p.metrics.Recompute(); !rp.Started.IsZero() {
		o.self.Recompute = &rp
	}
	if o.p.instance.Ingest != nil {
		o.self.Ingest = o.p.instance.Ingest()
	}
	if err := ownership.Heartbeat(ctx, o.p.js, o.p.topo.Prefix, o.self, o.ttl); err != nil {
		o.p.log.Debug("heartbeat failed", "err", err)
	}
}

// Run processes until ctx is done, then stops gracefully. It heartbeats in
// the ORDERTRACK_INSTANCES bucket and runs the workers of the partitions
// ownership.Assign gives this instance among the live ones (see owner). On stop each
// worker finishes and acks its batch in flight, hands back what is left
// and unpins its partition; a stop at any moment, even while starting,
// returns nil.
func (p *Pipeline) Run(ctx context.Context) error {
	kv, s, err := ownership.Open(ctx, p.js, p.cfg.NATS.Replicas)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	rctx, stop := context.WithCancel(ctx)
	recomputed := make(chan struct{})
	go func() { defer close(recomputed); (&recomputer{p: p, kv: kv}).run(rctx) }()
	learned := make(chan struct{})
	go func() { defer close(learned); p.learner.run(rctx) }()
	p.learner.waitLoaded(ctx, 2*time.Second)
	p.newOwner(kv, s).run(ctx)
	stop()
	<-recomputed
	<-learned
	return nil
}
