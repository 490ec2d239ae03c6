package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

func TestHealthPassesAgainstRunningPipeline(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	tr.sendKnown(t)
	for _, first := range []string{"health", "--health-check"} {
		code, out, errs := tr.cmd(t, first)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", first, code, out, errs)
		}
		for _, want := range []string{
			"Performing system health check...", "[ok]   NATS reachable", "[ok]   JetStream",
			"supports message schedules (>= 2.12)", "[ok]   Stream ORDER_EVENTS", "[ok]   Stream ORDER_SLA",
			"[ok]   Bucket ORDERS", "[ok]   Bucket ORDER_RISK: present (", "[ok]   Consumers: 8 of 8", "4/4 partitions have a consuming instance",
			"All health checks passed - system is ready",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", first, want, out)
			}
		}
	}
}

func TestHealthFailsWhenNATSUnreachable(t *testing.T) {
	t.Parallel()
	addr := pipelinetest.UnusedAddr(t)
	start := time.Now()
	code, out, errs := runCommand(t, "health", "--nats.url", "nats://"+addr)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("health took %s with NATS down, want at most 15s", took)
	}
	if code == 0 {
		t.Fatalf("exit 0 with NATS down:\n%s", out)
	}
	if !strings.Contains(out, "[FAIL] NATS reachable") || !strings.Contains(out, "fix: check nats.url") {
		t.Errorf("output does not name the failed check and its fix:\n%s", out)
	}
	if !strings.Contains(errs, "failed: NATS reachable") || strings.Contains(out, "All health checks passed") {
		t.Errorf("stderr %q", errs)
	}
}

func TestHealthFailsOnMisconfiguredStream(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	ctx := context.Background()
	// Partition count differs from the stream's.
	code, out, _ := runCommand(t, "health", "--nats.url", tr.info.NATSURL, "--streaming.partitions", "8")
	if code == 0 || !strings.Contains(out, "[FAIL] Stream ORDER_EVENTS") || !strings.Contains(out, "streaming.partitions") {
		t.Errorf("partition mismatch: exit %d\n%s", code, out)
	}
	// Someone edited a stream by hand.
	s, err := tr.js.Stream(ctx, "ORDER_DLQ")
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.Subjects = []string{"deadletters.>"}
	if _, err := tr.js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	code, out, errs := tr.cmd(t, "health")
	if code == 0 || !strings.Contains(out, "[FAIL] Stream ORDER_DLQ: stream ORDER_DLQ has subjects [deadletters.>]") {
		t.Errorf("edited stream: exit %d\n%s", code, out)
	}
	if !strings.Contains(errs, "1 health check(s) failed: Stream ORDER_DLQ") {
		t.Errorf("stderr %q does not name the failed check", errs)
	}
}

// TestHealthFailsWhenStalled provisions the objects without running a
// pipeline, so published events stay pending with nobody consuming them.
func TestHealthFailsWhenStalled(t *testing.T) {
	t.Parallel()
	srv := pipelinetest.RunJetStream(t)
	js := srv.JS
	cfg := config.Default()
	cfg.Streaming.Partitions = 2
	ctx := context.Background()
	if _, err := contract.Provision(ctx, js, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	args := []string{"health", "--nats.url", srv.URL(), "--streaming.partitions", "2"}
	if code, out, _ := runCommand(t, args...); code != 0 {
		t.Fatalf("idle, nothing pending: exit %d\n%s", code, out)
	}
	if _, err := js.Publish(ctx, testTopo.EventSubject("X1"), []byte(`{"order_id":"X1","event_type":"ORDER_PLACED"}`)); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCommand(t, args...)
	if code == 0 || !strings.Contains(out, "[FAIL] Consumer progress: stalled: ordertrack-p") ||
		!strings.Contains(out, "0/2 partitions have a consuming instance") {
		t.Errorf("pending events with no consumer: exit %d\n%s", code, out)
	}
}
