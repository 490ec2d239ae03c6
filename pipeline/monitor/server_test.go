package monitor_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/httpserver"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// env is an embedded JetStream server with a running pipeline and monitor.
type env struct {
	srv  *pipelinetest.JetStream
	nc   *nats.Conn
	js   jetstream.JetStream
	cfg  config.Config
	p    *pipeline.Pipeline
	mon  *monitor.Server
	base string
}

// envOption changes the pipeline's config before it is provisioned, or
// the monitor's options before it starts.
type envOption struct {
	cfg  func(*config.Config)
	mon  func(*monitor.Options)
	pipe func(*pipeline.Options)
}

func withConfig(f func(*config.Config)) envOption    { return envOption{cfg: f} }
func withMonitor(f func(*monitor.Options)) envOption { return envOption{mon: f} }
func withPipeline(f func(*pipeline.Options)) envOption {
	return envOption{pipe: f}
}

// testTopo is the default configuration's Topology: tests publish and
// filter with its subjects, and assert the names SPEC gives them.
var testTopo = contract.TopologyOf(config.Default())

func setup(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{srv: pipelinetest.RunJetStream(t, pipelinetest.ConnOptions(nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))),
		cfg: config.Default()}
	e.nc, e.js = e.srv.Conn, e.srv.JS
	e.cfg.Streaming.Partitions = 2
	e.cfg.Streaming.PinnedTTL = 2 * time.Second
	e.cfg.SLA.Processing = time.Second
	e.cfg.SLA.Shipping, e.cfg.SLA.Delivery = time.Hour, time.Hour
	for _, o := range opts {
		if o.cfg != nil {
			o.cfg(&e.cfg)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	prov, err := contract.Provision(ctx, e.js, e.cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	po := pipeline.Options{Config: e.cfg}
	for _, o := range opts {
		if o.pipe != nil {
			o.pipe(&po)
		}
	}
	e.p = pipeline.New(e.js, prov, po)
	stopPipeline := pipelinetest.StartPipeline(t, e.p)
	o := monitor.Options{Listen: "127.0.0.1:0", Conn: e.nc, JS: e.js,
		Topology: prov.Topology, Stats: e.p.Stats()}
	for _, opt := range opts {
		if opt.mon != nil {
			opt.mon(&o)
		}
	}
	if o.Rules == nil {
		rules := e.cfg.Rules()
		o.Rules = func() order.Rules { return rules }
	}
	e.mon, err = monitor.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + e.mon.Addr()
	t.Cleanup(func() {
		_ = e.mon.Stop(context.Background())
		cancel()
		stopPipeline()
	})
	return e
}

func (e *env) publish(t *testing.T, id, typ string, at time.Time) {
	t.Helper()
	body := fmt.Sprintf(`{"event_id":"%s-%s","order_id":"%s","event_type":"%s","item_name":"Jeans","timestamp":"%s"}`,
		id, typ, id, typ, at.UTC().Format(time.RFC3339Nano))
	if _, err := e.js.Publish(context.Background(), testTopo.EventSubject(id), []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := pipelinetest.Get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	return pipelinetest.ParseMetrics(t, body)
}

// TestMetricsMatchEvents sends a known set of events and checks that every
// counter of /metrics says what they imply.
func TestMetricsMatchEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	now := time.Now().Add(-500 * time.Millisecond)
	e.publish(t, "A", "ORDER_PLACED", now)
	e.publish(t, "A", "PROCESSING_STARTED", now.Add(10*time.Millisecond))
	e.publish(t, "B", "ORDER_PLACED", now)
	e.publish(t, "B", "ORDER_CANCELLED", now.Add(10*time.Millisecond))
	e.publish(t, "B", "ITEM_SHIPPED", now.Add(20*time.Millisecond)) // rejected
	e.publish(t, "C", "ORDER_PLACED", now)                          // processing breach after 1s
	if _, err := e.js.Publish(context.Background(), testTopo.EventSubject("D"), []byte("{not json")); err != nil {
		t.Fatal(err)
	}

	var mf map[string]*dto.MetricFamily
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		mf = scrape(t, e.base)
		for _, c := range []struct {
			name   string
			labels []string
		}{
			{"ordertrack_sla_breaches_total", []string{"sla", "processing"}},
			{"ordertrack_events_processed_total", []string{"type", "SLA_CHECK", "outcome", "breach"}},
			{"ordertrack_open_orders", []string{"status", "PROCESSING"}},
		} {
			if v := pipelinetest.MetricValue(mf, c.name, c.labels...); v != 1 {
				return fmt.Errorf("the breach of C is not counted: %s%v = %v, want 1", c.name, c.labels, v)
			}
		}
		if v := pipelinetest.MetricValue(mf, "ordertrack_sla_timers_pending", "sla", "delivery"); v != 2 {
			return fmt.Errorf("ordertrack_sla_timers_pending{sla=delivery} = %v, want 2", v)
		}
		return nil
	})
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"ordertrack_events_processed_total", []string{"type", "ORDER_PLACED", "outcome", "applied"}, 3},
		{"ordertrack_events_processed_total", []string{"type", "PROCESSING_STARTED", "outcome", "applied"}, 1},
		{"ordertrack_events_processed_total", []string{"type", "ORDER_CANCELLED", "outcome", "applied"}, 1},
		{"ordertrack_events_processed_total", []string{"type", "ITEM_SHIPPED", "outcome", "rejected"}, 1},
		{"ordertrack_dead_letters_total", []string{"reason", "invalid_json"}, 1},
		{"ordertrack_sla_breaches_total", []string{"sla", "shipping"}, 0},
		{"ordertrack_updates_emitted_total", nil, 7}, // 3 confirmed, processing, cancelled, rejected, breach
		{"ordertrack_open_orders", []string{"status", "ORDER"}, 1},
		{"ordertrack_sla_timers_pending", []string{"sla", "delivery"}, 2}, // A and C
		{"ordertrack_sla_timers_pending", []string{"sla", "shipping"}, 1}, // A
		{"ordertrack_end_to_end_latency_seconds", []string{"source", "event"}, 6},
		{"ordertrack_nats_connected", nil, 1},
		{"ordertrack_partition_owned", []string{"partition", "1"}, 1},
		{"ordertrack_consumer_lag", []string{"partition", "0", "consumer", "events"}, 0},
	} {
		if got := pipelinetest.MetricValue(mf, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// One latency per fired slot: A, B and C fall due together, listed in
	// one to three slots (by partition and batch); A's and B's checks find
	// nothing to report.
	if n := pipelinetest.MetricValue(mf, "ordertrack_end_to_end_latency_seconds", "source", "sla_check"); n < 1 || n > 3 {
		t.Errorf("sla_check latencies = %v, want 1 to 3 fired slots", n)
	}
	// Each committed input passes every stage once (recorded just after
	// its ack, so a batch acked during the scrape may be missing).
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		mf := scrape(t, e.base)
		inputs := 6 + pipelinetest.MetricValue(mf, "ordertrack_end_to_end_latency_seconds", "source", "sla_check")
		for _, stage := range pipeline.Stages {
			if n := pipelinetest.MetricValue(mf, "ordertrack_stage_seconds", "stage", stage); n != inputs {
				return fmt.Errorf("ordertrack_stage_seconds{stage=%s} counted %v inputs, want %v", stage, n, inputs)
			}
		}
		return nil
	})
	if pipelinetest.MetricValue(mf, "ordertrack_batch_size") < 1 || pipelinetest.MetricValue(mf, "ordertrack_batch_duration_seconds") < 1 {
		t.Error("batch histograms are empty")
	}
	names := monitor.MetricNames() // what dashboards may name
	for name := range mf {
		if !strings.HasPrefix(name, "ordertrack_") {
			t.Errorf("metric %s lacks the ordertrack_ prefix", name)
		}
		if !slices.Contains(names, name) {
			t.Errorf("metric %s is exported but not in MetricNames", name)
		}
	}
}

// TestReadyzFlipsWhenNATSGoesAway checks /healthz and /readyz before and
// after the NATS server stops.
func TestReadyzFlipsWhenNATSGoesAway(t *testing.T) {
	t.Parallel()
	e := setup(t)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if code, body := pipelinetest.Get(t, e.base+"/readyz"); code != http.StatusOK {
			return fmt.Errorf("/readyz %d, want 200: %s", code, body)
		}
		return nil
	})
	e.srv.Server.Shutdown()
	e.srv.Server.WaitForShutdown()
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		code, body := pipelinetest.Get(t, e.base+"/readyz")
		if code == http.StatusOK {
			t.Fatalf("/readyz 200 after NATS stopped: %s", body)
		}
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "NATS connection is") {
			return fmt.Errorf("/readyz %d, want 503 naming the connection: %s", code, body)
		}
		return nil
	})
	if code, _ := pipelinetest.Get(t, e.base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d while the process is alive", code)
	}
	if v := pipelinetest.MetricValue(scrape(t, e.base), "ordertrack_nats_connected"); v != 0 {
		t.Errorf("ordertrack_nats_connected = %v after NATS stopped", v)
	}
}

// TestIdleConnectionClosed: a keep-alive connection that sends no next
// request is closed by the server after the idle timeout.
func TestIdleConnectionClosed(t *testing.T) {
	t.Parallel()
	const idle = 200 * time.Millisecond
	e := setup(t, withMonitor(func(o *monitor.Options) { o.Limits = httpserver.Limits{IdleTimeout: idle} }))
	conn, err := net.Dial("tcp", e.mon.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sent := time.Now() // the connection is idle from the answer on, so closed no sooner than idle after this
	if _, err := fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("/healthz: %d close=%v, want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
	}
	// The connection is now idle: the server closes it, which this read sees
	// as EOF; the deadline is only the test's bound.
	_ = conn.SetReadDeadline(time.Now().Add(pipelinetest.WaitTimeout()))
	n, err := br.Read(make([]byte, 1))
	if n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("reading the idle connection: %d bytes, %v; want EOF (closed by the server after %s idle)", n, err, idle)
	}
	if took := time.Since(sent); took < idle {
		t.Errorf("closed after %s idle, before the idle timeout %s", took, idle)
	}
}

// TestResponseHeaders: every answer carries X-Content-Type-Options:
// nosniff; the page's CSP allows its own script and style sheet only,
// nothing inline.
func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
	plain := setup(t)
	withToken := setup(t, withMonitor(func(o *monitor.Options) { o.AuthToken = "headers-token" }))
	_, port, _ := net.SplitHostPort(plain.mon.Addr())
	for _, tt := range []struct {
		base, path, host string
		code             int
		contentType      string
	}{
		{plain.base, "/", "", 200, "text/html; charset=utf-8"},
		{plain.base, "/app.js", "", 200, "text/javascript; charset=utf-8"},
		{plain.base, "/style.css", "", 200, "text/css; charset=utf-8"},
		{plain.base, "/api/status", "", 200, "application/json"},
		{plain.base, "/api/rates", "", 200, "application/json"},
		{plain.base, "/api/orders/no-such-order", "", 404, "application/json"},
		{plain.base, "/api/orders/bad!id", "", 400, "application/json"},
		{plain.base, "/api/status", "attacker.example:" + port, 403, "application/json"},
		{plain.base, "/healthz", "", 200, "text/plain; charset=utf-8"},
		{plain.base, "/metrics", "", 200, "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"},
		{withToken.base, "/api/status", "", 401, "application/json"},
		{withToken.base, "/", "", 401, "text/html; charset=utf-8"},
	} {
		req, _ := http.NewRequest(http.MethodGet, tt.base+tt.path, nil)
		if tt.host != "" {
			req.Host = tt.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != tt.code || h.Get("Content-Type") != tt.contentType || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s (Host %q): %d %q nosniff=%q, want %d %q nosniff", tt.path, tt.host, resp.StatusCode,
				h.Get("Content-Type"), h.Get("X-Content-Type-Options"), tt.code, tt.contentType)
		}
		if tt.path != "/" {
			continue
		}
		if got := h.Get("Content-Security-Policy"); got != csp {
			t.Errorf("GET / (%d): CSP\n%s\nwant\n%s", resp.StatusCode, got, csp)
		}
		page := string(body)
		if !strings.Contains(page, `<script src="/app.js"></script>`) || !strings.Contains(page, `<link rel="stylesheet" href="/style.css">`) ||
			strings.Contains(page, "<style") || strings.Contains(page, " style=") || strings.Count(page, "<script") != 1 {
			t.Errorf("GET / (%d): the page must load /app.js and /style.css and have no inline script or style:\n%s", resp.StatusCode, page)
		}
	}
}
