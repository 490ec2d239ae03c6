package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchTinyRun runs every bench phase with tiny sizes and checks that
// the JSON report has each metric with a sane value.
func TestBenchTinyRun(t *testing.T) {
	t.Parallel()
	var out, errs bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs}
	code := m.Run(context.Background(), []string{"bench", "--json", "--dir", t.TempDir(),
		"--events", "3000", "--rate", "1000", "--latency-duration", "2s", "--deadlines", "500",
		"--open-orders", "5000", "--streaming.partitions", "4"})
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s\nstdout:\n%s", code, errs.String(), out.String())
	}
	var r benchReport
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
		{"ceiling", "NATS work only, no ordertrack logic", 100, 1e7},
		{"throughput", "events published", 3000, 3000},
		{"throughput", "pipeline events/s (publish to all outputs stored)", 100, 1e7},
		{"throughput", "pipeline / raw async publish", 0.0001, 10},
		{"throughput", "pipeline / NATS-only ceiling", 0.01, 10},
		{"latency @1,000/s", "offered rate achieved", 500, 1500},
		{"latency @1,000/s", "p50 publish to output", 0.01, 5000},
		{"latency @1,000/s", "p99 publish to output", 0.01, 10000},
		{"breach (500 deadlines)", "breaches received", 500, 500},
		{"breach (500 deadlines)", "p99 lateness (emitted_at - deadline)", -100, 10000},
		{"memory (5,000 open)", "peak RSS (server + pipeline)", 10, 1e5},
		{"memory (5,000 open)", "heap in use after GC", 1, 1e5},
		{"memory (5,000 open)", "restart to first processed event", 0.01, 30000},
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
	if !strings.Contains(errs.String(), "memory done") {
		t.Errorf("no progress on stderr: %q", errs.String())
	}
}

// TestBenchTable checks the table rendering: a row per metric, the target
// column and the pass/fail verdict.
func TestBenchTable(t *testing.T) {
	t.Parallel()
	r := newBenchReport(map[string]string{"partitions": "8"})
	r.atLeast("throughput", "pipeline events/s", 12345, "events/s", 30000)
	r.atMost("latency", "p99", 12.5, "ms", 30)
	r.add("raw", "publish", 99999.6, "msgs/s").Note = "200 B"
	r.skip("memory with 1,000,000 open orders: budget")
	var b bytes.Buffer
	r.writeTable(&b)
	for _, want := range []string{"12,345 events/s", ">= 30,000 events/s", "FAIL", "12.5 ms", "<= 30 ms", "pass",
		"100,000 msgs/s  (200 B)", "skipped: memory with 1,000,000", "targets met: 1 of 2", "partitions=8"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestBenchRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--phases", "warp"}, {"--open-orders", "10,lots"}} {
		var out, errs bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs}
		if code := m.Run(context.Background(), append([]string{"bench"}, args...)); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
		if !strings.Contains(errs.String(), args[0]) {
			t.Errorf("%v: stderr %q does not name the flag", args, errs.String())
		}
	}
}
