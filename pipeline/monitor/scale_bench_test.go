package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// BenchmarkReadModelAtScale stores ORDERTRACK_SCALE_ORDERS (default
// 1,000,000) open orders directly as ORDERS values of the pipeline's
// shape, then starts a read model and reports the time until its views are
// ready, the heap its views hold per order, and the delay from a commit to its effect on
// the views while 5,000 changes a second are written for 10 s (p50, p99,
// max). Run it alone: go test -run '^$' -bench ReadModelAtScale
// -benchtime 1x ./pipeline/monitor (several minutes and a few GB at 1M).
func BenchmarkReadModelAtScale(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("ORDERTRACK_SCALE_ORDERS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	cfg := config.Default()
	rules := cfg.Rules()
	start := time.Now().Truncate(time.Millisecond)
	stateOf := func(i int, processed bool) order.State {
		placed := start.Add(-time.Duration(i%3600) * time.Second)
		s := order.State{OrderID: fmt.Sprintf("ORD-%07d", i), Status: order.StageOrder, PlacedAt: &placed,
			CustomerID: fmt.Sprintf("CUST-%d", i%5000), ItemName: "Blue Jeans", ItemCategory: "Pants", Quantity: 2, Price: 79.99,
			TenantID: []string{"acme", "globex", "initech"}[i%3], UpdatedAt: placed, Breaches: []order.SLA{}}
		s.Deadlines.Processing = placed.Add(rules.Processing)
		s.Deadlines.Delivery = placed.Add(rules.Delivery)
		if processed {
			s.Status, s.ProcessingAt = order.StageProcessing, &start
			s.Deadlines.Shipping = start.Add(rules.Shipping)
		}
		return s
	}
	state := func(i int, processed bool) []byte {
		s := stateOf(i, processed)
		v, err := contract.EncodeRecord(s, nil, s.UpdatedAt)
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	// The views' heap, measured before the embedded server runs in this
	// process (its caches grow and shrink meanwhile).
	perOrder := viewsHeap(n, rules, stateOf)
	srv := pipelinetest.RunJetStream(b)
	if _, err := contract.Provision(ctx, srv.JS, cfg, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	for i := 0; i < n; {
		for range 4096 {
			if i == n {
				break
			}
			if _, err := srv.JS.PublishAsync(kv.KeySubject(contract.OrdersBucket, fmt.Sprintf("ORD-%07d", i)), state(i, false)); err != nil {
				b.Fatal(err)
			}
			i++
		}
		<-srv.JS.PublishAsyncComplete()
	}
	b.Logf("stored %d open orders in %s", n, time.Since(t0).Round(time.Millisecond))

	m := NewReadModel(srv.JS, func() order.Rules { return rules }, nil)
	var mu sync.Mutex
	published := map[string]time.Time{}
	var delays []time.Duration
	m.applied = func(id string) {
		mu.Lock()
		if at, ok := published[id]; ok {
			delays = append(delays, time.Since(at))
			delete(published, id)
		}
		mu.Unlock()
	}
	mctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); m.Run(mctx) }()
	defer func() { stop(); <-done }()
	b.ResetTimer()
	t0 = time.Now()
	pipelinetest.WaitFor(b, 10*time.Minute, func() error {
		if !m.Ready() {
			return fmt.Errorf("views not ready")
		}
		return nil
	})
	ready := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(ready.Seconds(), "s-to-ready")
	b.ReportMetric(perOrder, "heap-B/order")

	// 5,000 changes a second for 10 s: orders processed, each a KV put.
	const rate, secs = 5000, 10
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for k := 0; k < rate*secs; {
		<-tick.C
		for range rate / 100 {
			id := fmt.Sprintf("ORD-%07d", k)
			mu.Lock()
			published[id] = time.Now()
			mu.Unlock()
			if _, err := srv.JS.PublishAsync(kv.KeySubject(contract.OrdersBucket, id), state(k, true)); err != nil {
				b.Fatal(err)
			}
			k++
		}
	}
	<-srv.JS.PublishAsyncComplete()
	pipelinetest.WaitFor(b, time.Minute, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(delays) < rate*secs {
			return fmt.Errorf("%d of %d changes seen", len(delays), rate*secs)
		}
		return nil
	})
	slices.Sort(delays)
	q := func(p float64) time.Duration { return delays[int(p*float64(len(delays)-1))] }
	b.ReportMetric(float64(q(0.5).Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(q(0.99).Microseconds())/1000, "ms-p99")
	b.ReportMetric(float64(delays[len(delays)-1].Microseconds())/1000, "ms-max")
	byState, _ := m.Counts(ctx)
	if byState[order.StageProcessing] != rate*secs || byState[order.StageOrder] != uint64(n-rate*secs) {
		b.Errorf("counts %v, want %d PROCESSING and %d ORDER", byState, rate*secs, n-rate*secs)
	}
	b.Logf("%d orders: views ready in %s, heap %.0f B/order; change to view p50 %s p99 %s max %s at %d/s",
		n, ready.Round(time.Millisecond), perOrder, q(0.5), q(0.99), delays[len(delays)-1], rate)
}

// viewsHeap returns the heap that views of n orders hold, per order: the
// views built from the states directly, the heap measured before and
// after: what the read model keeps of n orders.
func viewsHeap(n int, rules order.Rules, stateOf func(int, bool) order.State) float64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	v := newViews()
	for i := range n {
		s := stateOf(i, false)
		setOrder(v, rules, s.OrderID, s, true, false)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}
