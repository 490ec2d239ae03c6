package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestGenerateSameSeedSameEvents checks determinism cheaply with a dry run:
// the same seed gives the same event ids, another seed different ones.
func TestGenerateSameSeedSameEvents(t *testing.T) {
	t.Parallel()
	ids := func(seed string) []string {
		code, out, errs := runCommand(t, "generate", "--dry-run", "--json", "--orders", "40", "--seed", seed, "--scenario", "realistic")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var e struct {
				EventID string `json:"event_id"`
				OrderID string `json:"order_id"`
				Type    string `json:"event_type"`
			}
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("line %q is not an event: %v", line, err)
			}
			got = append(got, e.EventID+" "+e.OrderID+" "+e.Type)
		}
		return got
	}
	a, b, c := ids("42"), ids("42"), ids("43")
	if len(a) < 100 {
		t.Fatalf("40 realistic orders gave only %d events", len(a))
	}
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Error("same seed, different events")
	}
	if strings.Join(a, "\n") == strings.Join(c, "\n") {
		t.Error("different seeds, same events")
	}
}

func TestGenerateDryRunNeedsLimit(t *testing.T) {
	t.Parallel()
	code, _, errs := runCommand(t, "generate", "--dry-run")
	if code == 0 || !strings.Contains(errs, "--orders") {
		t.Errorf("exit %d, stderr %q: want a failure naming --orders", code, errs)
	}
}

// TestGenerateFeedsRunningPipeline publishes with generate at full speed to
// a running pipeline: the stream holds every event the summary counts and
// the pipeline emits one update per event of the clean sample scenario.
func TestGenerateFeedsRunningPipeline(t *testing.T) {
	t.Parallel()
	s := startMain(t, append(runArgs(t.TempDir()), "--generator.enabled", "false", "--output.console", "false")...)
	code, out, errs := runCommand(t, "generate", "--nats.url", s.info.NATSURL, "--scenario", "sample",
		"--orders", "150", "--rate", "0", "--seed", "7", "--progress")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m := regexp.MustCompile(`published (\d+) events for 150 orders in .* events/s\); seed 7`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("summary: %q", out)
	}
	n, _ := strconv.Atoi(m[1])
	if n != 600 || !strings.Contains(out, "by type: ITEM_DELIVERED 150") {
		t.Errorf("summary %q: want 600 events, 150 of each type", out)
	}
	// progressbar's format: "100% [====] (600/600, 5146 events/s) [0s]", and
	// while running "[elapsed:time left]".
	if !strings.Contains(errs, "(600/600, ") || !strings.Contains(errs, "100%") || !regexp.MustCompile(`\[\d+s:\d+s\]`).MatchString(errs) {
		t.Errorf("progress bar on stderr: %q", errs)
	}
	js := connectJS(t, s.info.NATSURL)
	if got := streamMsgs(t, js, "ORDER_EVENTS"); got != uint64(n) {
		t.Errorf("ORDER_EVENTS holds %d messages, summary says %d", got, n)
	}
	pipelinetest.WaitFor(t, 20*time.Second, func() error {
		if got := streamMsgs(t, js, "ORDER_UPDATES"); got < uint64(n) {
			return fmt.Errorf("pipeline emitted %d updates for %d events", got, n)
		}
		return nil
	})
}

// TestGeneratePacedByRate publishes at a fixed rate for a fixed duration:
// about rate x duration events, taking about the duration.
func TestGeneratePacedByRate(t *testing.T) {
	t.Parallel()
	s := startMain(t, append(runArgs(t.TempDir()), "--generator.enabled", "false", "--output.console", "false")...)
	begin := time.Now()
	code, out, errs := runCommand(t, "generate", "--nats.url", s.info.NATSURL, "--scenario", "realistic",
		"--rate", "400", "--duration", "1500ms", "--seed", "3")
	took := time.Since(begin)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m := regexp.MustCompile(`published (\d+) events`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("summary: %q", out)
	}
	n, _ := strconv.Atoi(m[1])
	// Orders start at the steady rate but their later stages are still to
	// come, so the count stays below rate x duration while the run ramps up.
	if n < 100 || n > 700 || took < 1400*time.Millisecond {
		t.Errorf("%d events in %s at --rate 400 --duration 1.5s", n, took)
	}
	if got := streamMsgs(t, connectJS(t, s.info.NATSURL), "ORDER_EVENTS"); got+uint64(countDuplicates(out)) < uint64(n) {
		t.Errorf("ORDER_EVENTS holds %d, published %d", got, n)
	}
}

// countDuplicates reads the duplicate count from a summary ("duplicate N").
func countDuplicates(summary string) int {
	m := regexp.MustCompile(`duplicate (\d+)`).FindStringSubmatch(summary)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func connectJS(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestGenerateWithRealSLAsBackfills generates at full speed against a
// pipeline with the default 24h/3d/7d SLAs: the run is a backfill, so no
// event time is after the moment it was stored and none is dead-lettered
// as timestamp_in_future.
func TestGenerateWithRealSLAsBackfills(t *testing.T) {
	t.Parallel()
	realSLAs := []string{"--sla.processing", "24h", "--sla.shipping", "72h", "--sla.delivery", "168h"}
	s := startMain(t, append(append(runArgs(t.TempDir()), "--generator.enabled", "false", "--output.console", "false"), realSLAs...)...)
	code, out, errs := runCommand(t, append([]string{"generate", "--nats.url", s.info.NATSURL, "--scenario", "realistic",
		"--orders", "200", "--rate", "0", "--seed", "5", "--generator.demo_sla", "false"}, realSLAs...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "timeline: backfill") {
		t.Errorf("summary does not say it is a backfill:\n%s", out)
	}
	js := connectJS(t, s.info.NATSURL)
	events := pipelinetest.ReadStream(t, js, "ORDER_EVENTS", jetstream.OrderedConsumerConfig{})
	if len(events) < 600 {
		t.Fatalf("%d events stored for 200 realistic orders", len(events))
	}
	for _, m := range events {
		var e struct {
			Timestamp time.Time `json:"timestamp"`
		}
		meta, err := m.Metadata()
		if err != nil || json.Unmarshal(m.Data(), &e) != nil {
			t.Fatalf("event %s: %v %s", m.Subject(), err, m.Data())
		}
		if e.Timestamp.After(meta.Timestamp) {
			t.Errorf("event %s at %v, stored at %v: in the future", m.Subject(), e.Timestamp, meta.Timestamp)
		}
	}
	topo := contract.Topology{Prefix: "orders", Partitions: 4}
	pipelinetest.WaitFor(t, 20*time.Second, func() error {
		parts, err := monitor.Partitions(context.Background(), js, topo)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if p.Pending() > 0 || p.AckPending() > 0 {
				return fmt.Errorf("partition %d: %d pending, %d ack pending", p.Index, p.Pending(), p.AckPending())
			}
		}
		return nil
	})
	if n := streamMsgs(t, js, "ORDER_DLQ"); n != 0 {
		letters := pipelinetest.ReadStream(t, js, "ORDER_DLQ", jetstream.OrderedConsumerConfig{})
		t.Errorf("%d valid events dead-lettered, first as %s: %s", n, letters[0].Headers().Get("Ordertrack-Reason"), letters[0].Headers().Get("Ordertrack-Error"))
	}
}
