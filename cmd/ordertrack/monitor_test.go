package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// tracked is a running pipeline (generator off, monitor on) that the
// operations commands are pointed at.
type tracked struct {
	*started
	nc      *nats.Conn
	js      jetstream.JetStream
	monitor string   // http://host:port of monitor.listen
	client  []string // flags that point a command at this pipeline
}

// testSLAs: the processing SLA breaches within the test, the others never.
var testSLAs = []string{"--sla.processing", "1s", "--sla.shipping", "1h", "--sla.delivery", "1h"}

func startTracked(t *testing.T) *tracked {
	t.Helper()
	args := append(runArgs(t.TempDir()), "--generator.enabled", "false", "--monitor.listen", "127.0.0.1:0",
		"--output.console", "false")
	s := startMain(t, append(args, testSLAs...)...)
	tr := &tracked{started: s}
	// Wait for the pipeline to exit before its store directory is removed.
	// (Its exit status is the run tests' concern.)
	t.Cleanup(func() { s.stop(t) })
	tr.client = append([]string{"--nats.url", s.info.NATSURL, "--streaming.partitions", "4"}, testSLAs...)
	var err error
	if tr.nc, err = nats.Connect(s.info.NATSURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.nc.Close)
	tr.js, _ = jetstream.New(tr.nc)
	tr.monitor = "http://" + monitorAddr(t, s.errs)
	return tr
}

// monitorLine is run's log line that names the monitor's bound address.
var monitorLine = regexp.MustCompile(`msg="monitor listening" addr=(\S+)`)

// monitorAddr waits for the log line of a monitor started on
// monitor.listen 127.0.0.1:0 and returns the address it bound.
func monitorAddr(t *testing.T, log *pipelinetest.Buffer) string {
	t.Helper()
	var addr string
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		m := monitorLine.FindStringSubmatch(log.String())
		if m == nil {
			return errors.New("no monitor address in the log")
		}
		addr = m[1]
		return nil
	})
	return addr
}

// publish sends one event of an order, at ms milliseconds after base.
func (tr *tracked) publish(t *testing.T, id, typ string, base time.Time, ms int) {
	t.Helper()
	body := fmt.Sprintf(`{"event_id":"%s-%s","order_id":"%s","customer_id":"CUST-1","event_type":"%s","item_name":"Blue Jeans","quantity":2,"timestamp":"%s"}`,
		id, typ, id, typ, base.Add(time.Duration(ms)*time.Millisecond).UTC().Format(time.RFC3339Nano))
	tr.publishRaw(t, id, body)
}

func (tr *tracked) publishRaw(t *testing.T, id, body string) {
	t.Helper()
	if _, err := tr.js.Publish(context.Background(), testTopo.EventSubject(id), []byte(body)); err != nil {
		t.Fatal(err)
	}
}

// sendKnown publishes a known set of events and waits until the breach it
// implies was emitted. What they imply:
//   - A placed, processing, shipped, delivered: DELIVERED, no timer.
//   - B placed, cancelled, then shipped (rejected): CANCELLED, no timer.
//   - C placed: processing breach after 1s; delivery timer pending.
//   - D placed, processing: shipping and delivery timers pending.
//   - one invalid JSON and one unknown event type: two dead letters.
//
// 12 events stored, 11 updates emitted (one a breach).
func (tr *tracked) sendKnown(t *testing.T) {
	t.Helper()
	base := time.Now().Add(-200 * time.Millisecond)
	for i, typ := range []string{"ORDER_PLACED", "PROCESSING_STARTED", "ITEM_SHIPPED", "ITEM_DELIVERED"} {
		tr.publish(t, "A", typ, base, 10*i)
	}
	for i, typ := range []string{"ORDER_PLACED", "ORDER_CANCELLED", "ITEM_SHIPPED"} {
		tr.publish(t, "B", typ, base, 10*i)
	}
	tr.publish(t, "C", "ORDER_PLACED", base, 0)
	tr.publish(t, "D", "ORDER_PLACED", base, 0)
	tr.publish(t, "D", "PROCESSING_STARTED", base, 10)
	tr.publishRaw(t, "BAD", "{not json")
	tr.publishRaw(t, "E", `{"order_id":"E","event_type":"ORDER_LOST"}`)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		s, err := tr.js.Stream(context.Background(), "ORDER_UPDATES")
		if err != nil {
			return err
		}
		if _, err = s.GetLastMsgForSubject(context.Background(), testTopo.AlertSubject(order.SLAProcessing, "C")); err != nil {
			return fmt.Errorf("no processing breach of C: %w", err)
		}
		return nil
	})
}

// cmd runs one command against the pipeline and returns its exit status,
// stdout and stderr.
func (tr *tracked) cmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCommand(t, append(args, tr.client...)...)
}

// metricValue returns the value of the sample of name with the given
// labels in a /metrics body, or -1.
func metricValue(t *testing.T, text, name string, labels ...string) float64 {
	t.Helper()
	return pipelinetest.MetricValue(pipelinetest.ParseMetrics(t, text), name, labels...)
}

func TestMonitorEndpoints(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	tr.sendKnown(t)
	var text string
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		_, text = pipelinetest.Get(t, tr.monitor+"/metrics")
		if v := metricValue(t, text, "ordertrack_events_processed_total", "type", "SLA_CHECK", "outcome", "breach"); v != 1 {
			return fmt.Errorf("the breach check is not counted: events_processed_total{SLA_CHECK,breach} = %v", v)
		}
		return nil
	})
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"ordertrack_events_processed_total", []string{"type", "ORDER_PLACED", "outcome", "applied"}, 4},
		{"ordertrack_events_processed_total", []string{"type", "PROCESSING_STARTED", "outcome", "applied"}, 2},
		{"ordertrack_events_processed_total", []string{"type", "ITEM_SHIPPED", "outcome", "applied"}, 1},
		{"ordertrack_events_processed_total", []string{"type", "ITEM_SHIPPED", "outcome", "rejected"}, 1},
		{"ordertrack_events_processed_total", []string{"type", "ITEM_DELIVERED", "outcome", "applied"}, 1},
		{"ordertrack_events_processed_total", []string{"type", "ORDER_CANCELLED", "outcome", "applied"}, 1},
		{"ordertrack_updates_emitted_total", nil, 11},
		{"ordertrack_sla_breaches_total", []string{"sla", "processing"}, 1},
		{"ordertrack_sla_breaches_total", []string{"sla", "delivery"}, 0},
		{"ordertrack_sla_outcomes_total", []string{"sla", "processing", "tenant", "none", "outcome", "met"}, 2},
		{"ordertrack_sla_outcomes_total", []string{"sla", "processing", "tenant", "none", "outcome", "breached"}, 1},
		{"ordertrack_sla_outcomes_total", []string{"sla", "delivery", "tenant", "none", "outcome", "met"}, 1},
		{"ordertrack_sla_outcomes_total", []string{"sla", "delivery", "tenant", "none", "outcome", "cancelled"}, 1},
		{"ordertrack_dead_letters_total", []string{"reason", "invalid_json"}, 1},
		{"ordertrack_dead_letters_total", []string{"reason", "unknown_event_type"}, 1},
		{"ordertrack_kv_conflicts_total", nil, 0},
		{"ordertrack_redeliveries_total", nil, 0},
		{"ordertrack_end_to_end_latency_seconds", []string{"source", "event"}, 10},
		{"ordertrack_consumer_lag", []string{"partition", "3", "consumer", "events"}, 0},
		{"ordertrack_partition_owned", []string{"partition", "0"}, 1},
	} {
		if got := metricValue(t, text, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := metricValue(t, text, "ordertrack_batches_total"); n < 1 || metricValue(t, text, "ordertrack_batch_size") != n {
		t.Errorf("batches_total %v does not match the batch_size histogram count", n)
	}
	if code, body := pipelinetest.Get(t, tr.monitor+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := pipelinetest.Get(t, tr.monitor+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
}
