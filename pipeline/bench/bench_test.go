package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
)

// TestBenchTinyRun runs every bench phase with tiny sizes and checks that
// the JSON report has each metric with a sane value, among them the spread
// run with sla.warn_at [0.5, 0.75] and its ratio to the plain one.
func TestBenchTinyRun(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs every bench phase (about 10 s)")
	}
	cfg := config.Default()
	cfg.Streaming.Partitions = 4
	var errs bytes.Buffer
	got, err := Run(context.Background(), Options{
		Config: cfg, Progress: &errs, Phases: Phases, Dir: t.TempDir(),
		Events: 3000, Rate: 1000, LatencyDuration: 2 * time.Second, Deadlines: 500,
		OpenOrders: []int{5000}, Budget: 270 * time.Second,
	})
	if err != nil {
		t.Fatalf("run: %v\nprogress:\n%s", err, errs.String())
	}
	var out bytes.Buffer
	if err := got.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if len(r.Errors) > 0 || len(r.Skipped) > 0 {
		t.Errorf("errors %v, skipped %v", r.Errors, r.Skipped)
	}
	for _, c := range []struct {
		phase, metric string
		lo, hi        float64
	}{
		{"raw", "JetStream async publish (200 B)", 1000, 1e7},
		{"raw", "JetStream consume + ack each (200 B)", 1000, 1e7},
		{"raw", "JetStream round trip (publish + consume with ack)", 500, 1e7},
		{"ceiling", "NATS work only, no ordertrack logic", 100, 1e7},
		{"ceiling", "ceiling / raw JetStream round trip", 0.0001, 10},
		{"throughput spread", "events published", 3000, 3000},
		{"throughput spread", "pipeline events/s (publish to all outputs stored)", 100, 1e7},
		{"throughput spread", "pipeline / raw JetStream round trip", 0.0001, 10},
		{"throughput spread", "pipeline / NATS-only ceiling", 0.01, 10},
		{"throughput spread", "pipeline events/s with sla.warn_at [0.5, 0.75]", 100, 1e7},
		{"throughput spread", "warn_at [0.5, 0.75] / plain events/s", 0.01, 100},
		{"predict", "spread events/s, sla.predict off", 100, 1e7},
		{"predict", "spread events/s, sla.predict on", 100, 1e7},
		{"predict", "predict on / off events/s", 0.01, 100},
		{"predict", "samples learned", 1, 3000},
		{"predict", "ORDER_RISK writes per 1,000,000 events", 1, 1e6},
		{"predict", "model memory (curves held)", 4, 1e4},
		{"throughput interleaved", "events published", 3000, 3000},
		{"throughput interleaved", "pipeline events/s (publish to all outputs stored)", 100, 1e7},
		{"latency @1,000/s", "offered rate achieved", 500, 1500},
		{"latency @1,000/s", "p50 publish to output", 0.01, 5000},
		{"latency @1,000/s", "p99 publish to output", 0.01, 10000},
		{"latency @1,000/s", "p50 stage fetch", 1e-6, 10000},
		{"latency @1,000/s", "p50 stage commit", 1e-6, 10000},
		{"latency @1,000/s", "p50 stage publish", 1e-6, 10000},
		{"latency @1,000/s", "p50 stage ack", 1e-6, 10000},
		{"latency @1,000/s", "max stage publish", 1e-6, 30000},
		{"latency @1,000/s", "p99 publish to output, last third", 0.01, 10000},
		{"latency @1,000/s", "mean batch size", 1, 500},
		{"latency @1,000/s", "p99 batch time (taken to acked)", 1e-6, 30000},
		{"NATS work only @1,000/s", "offered rate achieved", 500, 1500},
		{"NATS work only @1,000/s", "p50 publish to output", 0.01, 5000},
		{"NATS work only @1,000/s", "p99 publish to output", 0.01, 10000},
		{"NATS work only @1,000/s", "p99 publish to output, last third", 0.01, 10000},
		{"NATS work in commit order @1,000/s", "offered rate achieved", 500, 1500},
		{"NATS work in commit order @1,000/s", "p99 publish to output", 0.01, 10000},
		{"breach (500 deadlines)", "breaches received", 500, 500},
		{"breach (500 deadlines)", "p99 lateness (emitted_at - deadline)", -100, 10000},
		{"memory (5,000 open)", "peak RSS (server + pipeline)", 10, 1e5},
		{"memory (5,000 open)", "heap in use after GC", 1, 1e5},
		{"memory (5,000 open)", "restart to first processed event", 0.01, 30000},
		{"replay", "whatif engine, events in memory", 1000, 1e8},
		{"replay", "ordered consumer alone, reading ORDER_EVENTS", 1000, 1e8},
		{"replay", "whatif replay from ORDER_EVENTS", 1000, 1e8},
		{"replay", "replay from ORDER_EVENTS / ordered consumer alone", 0.01, 100},
		{"kafka", "direct NATS publish (as ordertrack publish)", 100, 1e7},
		{"kafka", "produce to kfake", 100, 1e8},
		{"kafka", "Kafka source, first produce to all stored", 100, 1e7},
		{"kafka", "Kafka source / direct publish", 0.01, 100},
		{"http", "direct NATS publish (as ordertrack publish)", 100, 1e7},
		{"http", "HTTP source, first request to last answered", 100, 1e7},
		{"http", "HTTP source / direct publish", 0.01, 100},
		{"http", "p50 answer time", 0.01, 10000},
		{"http", "p99 answer time", 0.01, 10000},
	} {
		v, ok := r.find(c.phase, c.metric)
		if !ok {
			t.Errorf("report lacks %s / %s", c.phase, c.metric)
			continue
		}
		if v < c.lo || v > c.hi {
			t.Errorf("%s / %s = %v, want within [%v, %v]", c.phase, c.metric, v, c.lo, c.hi)
		}
	}
	for _, phase := range []string{"latency @1,000/s", "NATS work only @1,000/s", "NATS work in commit order @1,000/s"} {
		if v, ok := r.find(phase, "outputs missing after 30s"); ok {
			t.Errorf("%s: %v outputs missing (every input's output must be matched)", phase, v)
		}
	}
	if !strings.Contains(errs.String(), "memory done") {
		t.Errorf("no progress on stderr: %q", errs.String())
	}
}

// TestBenchTable checks the table rendering: a row per metric, the target
// column and the pass/fail verdict.
func TestBenchTable(t *testing.T) {
	t.Parallel()
	r := newReport(map[string]string{"partitions": "8"})
	r.atLeast("throughput", "pipeline events/s", 12345, "events/s", 30000).Note = "spread"
	r.atMost("latency", "p99", 12.5, "ms", 30)
	r.add("raw", "publish", 99999.6, "msgs/s").Note = "200 B"
	r.skip("memory with 1,000,000 open orders: budget")
	var b bytes.Buffer
	r.WriteTable(&b)
	for _, want := range []string{"12,345 events/s", ">= 30,000 events/s", "FAIL", "12.5 ms", "<= 30 ms", "pass",
		"100,000 msgs/s  (200 B)", "skipped: memory with 1,000,000", "targets met: 1 of 2", "partitions=8"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestRunRejectsUnknownPhase(t *testing.T) {
	t.Parallel()
	if _, err := Run(context.Background(), Options{Phases: []string{"raw", "warp"}}); err == nil || !strings.Contains(err.Error(), `"warp"`) {
		t.Errorf("err %v, want one naming the phase warp", err)
	}
}
