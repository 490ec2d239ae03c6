package whatif

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/order/risk"
)

// A replay learns the learned-risk model (SPEC section 17) from the
// replayed events as the engine would: each applied event that meets an
// SLA gives the samples order.Rules.Samples names (stage durations of
// reached stages, not of cancelled orders, under the segment key of
// sla.predict.by), committed at the event's stored time. The model at an
// instant holds the samples committed before the start of that instant's
// second (the engine's model follows its commits within 2 s), so a replay
// is the same whatever its number of shards. It starts empty: what the
// engine learned before the replayed range is not in it.

// sample is one learned duration and when it was committed (Unix ns).
type sample struct {
	at int64
	d  time.Duration
}

// samples are one configuration's samples per model key, as learned by one
// shard, then (after merge) by all in commit order.
type samples map[string][]sample

// learn records what a change of an order from before to after teaches.
func (m samples) learn(r order.Rules, before, after *order.State, at time.Time) {
	r.Samples(*before, *after, func(key string, d time.Duration) {
		m[key] = append(m[key], sample{at: at.UnixNano(), d: d})
	})
}

// merge returns the samples of every shard per key, in commit order (ties
// by duration, so the order does not depend on the shards).
func merge(shards []samples) samples {
	all := samples{}
	for _, m := range shards {
		for k, ss := range m {
			all[k] = append(all[k], ss...)
		}
	}
	for _, ss := range all {
		slices.SortFunc(ss, func(a, b sample) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.d, b.d)) })
	}
	return all
}

// modelView is the model as one shard sees it at its current instant: an
// order.Model whose Curve holds the samples committed before the instant
// set by at. Each key's histogram grows as the instant moves on and is
// rebuilt when it moves back (an order's timeline starts before the last
// one's ended). Not safe for concurrent use: one per shard and
// configuration.
type modelView struct {
	all    samples
	before int64 // samples committed before it count
	keys   map[string]*viewCurve
}

// viewCurve is one key's histogram of its first n samples and its curve.
type viewCurve struct {
	n int
	h risk.Histogram
	c *risk.Curve
}

func newModelView(all samples) *modelView {
	return &modelView{all: all, keys: map[string]*viewCurve{}}
}

// at moves the view to instant t.
func (v *modelView) at(t time.Time) {
	if v != nil {
		v.before = t.Truncate(time.Second).UnixNano()
	}
}

// Curve returns the survival curve of the key's samples committed before
// the view's instant, nil when there is none.
func (v *modelView) Curve(key string) *risk.Curve {
	ss := v.all[key]
	n := sort.Search(len(ss), func(i int) bool { return ss[i].at >= v.before })
	if n == 0 {
		return nil
	}
	vc := v.keys[key]
	if vc == nil {
		vc = &viewCurve{}
		v.keys[key] = vc
	}
	if vc.c != nil && vc.n == n {
		return vc.c
	}
	if n < vc.n {
		vc.h, vc.n = risk.Histogram{}, 0
	}
	for _, s := range ss[vc.n:n] {
		vc.h.Add(s.d)
	}
	vc.n, vc.c = n, vc.h.Curve()
	return vc.c
}
