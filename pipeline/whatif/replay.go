package whatif

import (
	"hash/fnv"
	"runtime"
	"sync"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Input is one recorded event.
type Input struct {
	Data    []byte
	OrderID string    // from the subject (or the event itself for files)
	Stored  time.Time // when JetStream stored it: the time the pipeline saw it
	seq     int
}

// Options configure a replay.
type Options struct {
	Base, New order.Rules
	// Now judges SLAs still pending at the end of the data; default time.Now.
	Now time.Time
	// MaxSkew is sla.max_clock_skew of the decoder.
	MaxSkew time.Duration
	// Shards is the number of goroutines; default GOMAXPROCS.
	Shards int
}

// Replay applies events to per-order states under both configurations.
// Add events in stored order, then call Finish once.
type Replay struct {
	opts   Options
	shards []*shard
	wg     sync.WaitGroup
	batch  [][]Input // pending per shard
	seq    int
}

const dispatchBatch = 512

// GCPercent is the garbage collector setting a replaying process should
// use (debug.SetGCPercent). A replay allocates per event while its live
// heap (every order's two states) only grows, so collecting often buys
// nothing: on 1M recorded events of 250,000 orders, GOGC 1000 took 15.0 s
// of CPU against 20.8 s at 400 (28 % less) with the same peak RSS (1.3
// GB); at the default 100 it was slower still. GOMEMLIMIT, when set, still
// bounds the heap.
const GCPercent = 1000

// New starts a replay.
func New(opts Options) *Replay {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Shards <= 0 {
		opts.Shards = max(runtime.GOMAXPROCS(0), 1)
	}
	r := &Replay{opts: opts, batch: make([][]Input, opts.Shards)}
	for range opts.Shards {
		sh := &shard{opts: &r.opts, in: make(chan []Input, 8), orders: map[string]*tracked{}}
		for c, rules := range opts.configs() {
			if rules.Predict.Enabled {
				sh.learned[c], sh.keep = samples{}, true
			}
		}
		r.shards = append(r.shards, sh)
		r.wg.Add(1)
		go func() { defer r.wg.Done(); sh.run() }()
	}
	return r
}

// Add queues one event for its order's shard.
func (r *Replay) Add(in Input) {
	i := shardOf(in.OrderID, len(r.shards))
	r.seq++
	in.seq = r.seq
	r.batch[i] = append(r.batch[i], in)
	if len(r.batch[i]) >= dispatchBatch {
		r.shards[i].in <- r.batch[i]
		r.batch[i] = make([]Input, 0, dispatchBatch)
	}
}

// Finish waits for every event to be applied and judges the outcomes.
// When a configuration predicts (sla.predict.enabled), its orders are
// lived a second time once every shard has learned from the whole replay,
// with the model each instant would have held (model.go).
func (r *Replay) Finish() Result {
	for i, b := range r.batch {
		if len(b) > 0 {
			r.shards[i].in <- b
		}
		close(r.shards[i].in)
	}
	r.wg.Wait()
	for c, rules := range r.opts.configs() {
		if !rules.Predict.Enabled {
			continue
		}
		learned := make([]samples, len(r.shards))
		for i, sh := range r.shards {
			learned[i] = sh.learned[c]
		}
		all := merge(learned)
		for _, sh := range r.shards {
			r.wg.Add(1)
			go func() { defer r.wg.Done(); sh.relive(c, rules, all) }()
		}
		r.wg.Wait()
	}
	var orders []*tracked
	res := Result{Events: r.seq, Predicts: r.opts.Base.Predict.Enabled || r.opts.New.Predict.Enabled}
	for _, sh := range r.shards {
		res.Invalid += sh.invalid
		for _, t := range sh.orders {
			orders = append(orders, t)
		}
	}
	res.orders = orders
	return res
}

func shardOf(id string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

// configs returns the two configurations, base first: the index of each
// in tracked.states and tracked.warns.
func (o *Options) configs() [2]order.Rules { return [2]order.Rules{o.Base, o.New} }

// tracked is one order under both configurations.
type tracked struct {
	first  int            // arrival rank of its first event, for a stable listing
	states [2]order.State // under base, new
	warns  [2]warnings
}

type shard struct {
	opts    *Options
	in      chan []Input
	orders  map[string]*tracked
	invalid int
	us      []order.Update // reused by every event's apply

	// With a configuration that predicts, the shard keeps the events it
	// applied (to live them again with the model) and what each
	// configuration learned from them.
	keep    bool
	kept    []kept
	learned [2]samples
}

// kept is an event applied, as it was applied.
type kept struct {
	e  order.Event
	at time.Time
}

func (sh *shard) run() {
	for b := range sh.in {
		for _, in := range b {
			sh.apply(in)
		}
	}
	for _, t := range sh.orders {
		for c, r := range sh.opts.configs() {
			t.states[c] = finish(t.states[c], r, sh.opts.Now, &t.warns[c], nil)
		}
	}
}

// relive lives configuration c's orders again from their first event, with
// the model learned from the whole replay as it stood at each instant.
func (sh *shard) relive(c int, r order.Rules, all samples) {
	view := newModelView(all)
	r.Model = view
	for _, t := range sh.orders {
		t.states[c], t.warns[c] = order.NewState(t.states[c].OrderID), warnings{}
	}
	for _, k := range sh.kept {
		t := sh.orders[k.e.OrderID]
		sh.us = step(&t.states[c], k.e, r, k.at, &t.warns[c], sh.us[:0], view, nil)
	}
	for _, t := range sh.orders {
		t.states[c] = finish(t.states[c], r, sh.opts.Now, &t.warns[c], view)
	}
}

// finish judges an order at the end of the data: the timers still pending
// fire at their instants up to now, then the run's time judges the rest.
func finish(s order.State, r order.Rules, now time.Time, warns *warnings, view *modelView) order.State {
	s = fireTimers(s, r, now, warns, view)
	view.at(now)
	s, us := order.Check(s, r, now)
	warns.count(us)
	return s
}

func (sh *shard) apply(in Input) {
	e, err := order.Decode(in.Data, in.OrderID, in.Stored, sh.opts.MaxSkew)
	if err != nil {
		sh.invalid++
		return
	}
	e.Arrived = in.Stored
	t, ok := sh.orders[e.OrderID]
	if !ok {
		t = &tracked{first: in.seq, states: [2]order.State{order.NewState(e.OrderID), order.NewState(e.OrderID)}}
		sh.orders[e.OrderID] = t
	}
	if sh.keep {
		sh.kept = append(sh.kept, kept{e: e, at: in.Stored})
	}
	for c, r := range sh.opts.configs() {
		sh.us = step(&t.states[c], e, r, in.Stored, &t.warns[c], sh.us[:0], nil, sh.learned[c])
	}
}

// step fires what the timers would have fired before the event happened,
// then applies the event. On the event clock that is the event's own time:
// recorded events arrived when they happened, and a timer fires at its
// deadline. (A backfill published in one burst is applied by the pipeline
// before its timers can fire; the replay judges it as it happened.)
// The state is changed in place (a replay keeps no other copy of it), the
// updates appended to buf, which step returns for the next event.
// With a view (a configuration that predicts, lived again) the model is
// the one of each instant judged; with learn, the samples the event
// teaches are recorded.
func step(s *order.State, e order.Event, r order.Rules, at time.Time, warns *warnings, buf []order.Update, view *modelView, learn samples) []order.Update {
	if s.Known() {
		checkAt := e.Timestamp
		if r.Clock == order.ClockArrival {
			checkAt = at
		}
		*s = fireTimers(*s, r, checkAt, warns, view)
		view.at(checkAt)
		var us []order.Update
		*s, us = order.Check(*s, r, checkAt)
		warns.count(us)
	}
	before := *s // a shallow copy: applying sets new stage times, it does not change the old ones
	view.at(at)
	buf = order.ApplyInPlace(s, e, r, at, buf)
	warns.count(buf)
	if learn != nil {
		learn.learn(r, &before, s, at)
	}
	return buf
}

// fireTimers lives the order's time up to until as its timers would have:
// every check instant that order.Rules.Pending lists (NextCheck) (warnings and breach
// checks) strictly before until is judged by order.Check at that instant,
// earliest first, the list read again after each check (a breach or a
// warning takes its instants away). So a warning due between two events
// is sent at its time, not found missed at the next event's.
func fireTimers(s order.State, r order.Rules, until time.Time, warns *warnings, view *modelView) order.State {
	var fired time.Time // instants at or before it were judged
	for {
		at, ok := r.NextCheck(s, fired, until)
		if !ok {
			return s
		}
		view.at(at)
		var us []order.Update
		s, us = order.Check(s, r, at)
		warns.count(us)
		fired = at
	}
}

// warnings counts one configuration's SLA_AT_RISK updates of an order, per
// SLA in the order of order.SLAs (arrays: no map per order): those of
// sla.warn_at, and the predicted ones (at most one per SLA).
type warnings struct {
	warnAt    [3]int
	predicted [3]int
}

func (w *warnings) count(us []order.Update) {
	for _, u := range us {
		switch {
		case u.Type != order.UpdateAtRisk:
		case u.Reason == order.ReasonPredicted:
			w.predicted[slaRank(u.SLA)]++
		default:
			w.warnAt[slaRank(u.SLA)]++
		}
	}
}
