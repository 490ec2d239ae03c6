package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// recomputeRate bounds how many open orders per second a recompute lists
// for checking, per instance, so that live traffic keeps its latency.
const recomputeRate = 2000

// recomputePoll is how often the recomputer looks for a configuration or
// ownership change that needs a recompute.
const recomputePoll = time.Second

// recomputer runs sla.recompute: open. When the SLA terms in force differ
// from the ones an owned partition was last recomputed under, it lists
// every open order of the partition in recompute slots (RecomputeMessages)
// that fire at once; the partition's worker then chooses each order's rule
// again, breaches what is already past and sets its timers again. Only
// then does it record the terms' hash for the partition (a key of the
// instances bucket), so a crash or a hand-over in the middle makes the next
// owner recompute the partition again: re-checking an order twice changes
// nothing the second time.
type recomputer struct {
	p    *Pipeline
	kv   jetstream.KeyValue
	done map[int]string // partition -> terms hash recorded as recomputed
}

// run polls until ctx is done.
func (r *recomputer) run(ctx context.Context) {
	r.done = map[int]string{}
	t := time.NewTicker(recomputePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cfg := r.p.cfg
		if r.p.instance.Live != nil {
			cfg = r.p.instance.Live.Config()
		}
		if cfg.SLA.Recompute != config.RecomputeOpen {
			continue
		}
		if err := r.pass(ctx, termsHash(cfg)); err != nil && ctx.Err() == nil {
			r.p.log.Warn("recompute failed; will retry", "err", err)
		}
	}
}

// pass recomputes the owned partitions not yet recomputed under hash.
func (r *recomputer) pass(ctx context.Context, hash string) error {
	var todo []int
	for part, owned := range r.p.metrics.Owned() {
		if !owned || r.done[part] == hash {
			continue
		}
		rec, err := r.recorded(ctx, part)
		if err != nil {
			return err
		}
		if r.done[part] = rec; rec != hash {
			todo = append(todo, part)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	sort.Ints(todo)
	return r.recompute(ctx, todo, hash)
}

// recompute lists the open orders of parts and records hash for each.
func (r *recomputer) recompute(ctx context.Context, parts []int, hash string) error {
	start := time.Now()
	byPart := map[int][]string{}
	err := contract.ScanOrders(ctx, r.p.js, func(s order.State, ok bool) {
		if ok && s.Known() && !s.Closed() {
			if part := r.p.topo.Partition(s.OrderID); slices.Contains(parts, part) {
				byPart[part] = append(byPart[part], s.OrderID)
			}
		}
	})
	if err != nil {
		return err
	}
	total := 0
	for _, ids := range byPart {
		total += len(ids)
	}
	r.p.log.Info("recomputing open orders under the new SLA terms", "partitions", parts, "orders", total, "terms", hash)
	r.p.metrics.recompute.start(total)
	for _, part := range parts {
		if err := r.list(ctx, part, byPart[part]); err != nil {
			return err
		}
		if _, err := r.kv.Put(ctx, r.p.topo.RecomputeKey(part), []byte(hash)); err != nil {
			return err
		}
		r.done[part] = hash
	}
	r.p.log.Info("recompute listed every open order", "partitions", parts, "orders", total, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// list publishes the recompute slots of one partition at recomputeRate.
func (r *recomputer) list(ctx context.Context, part int, ids []string) error {
	for _, m := range RecomputeMessages(r.p.topo, part, ids, time.Now()) {
		var body slotBody
		_ = json.Unmarshal(m.Data, &body)
		if _, err := r.p.js.PublishMsg(ctx, m); err != nil {
			return err
		}
		r.p.metrics.recompute.listed(len(body.Orders))
		pause := time.Duration(len(body.Orders)) * time.Second / recomputeRate
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
	return nil
}

// recorded returns the terms hash partition part was last recomputed
// under, "" if never.
func (r *recomputer) recorded(ctx context.Context, part int) (string, error) {
	e, err := r.kv.Get(ctx, r.p.topo.RecomputeKey(part))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(e.Value()), nil
}

// termsHash fingerprints what a recompute depends on: sla.* and calendars.*.
func termsHash(c config.Config) string {
	b, _ := json.Marshal(struct {
		SLA       config.SLA
		Calendars map[string]config.Calendar
	}{c.SLA, c.Calendars})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
