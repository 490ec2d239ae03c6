package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// healthTimeout bounds each check's NATS requests.
const healthTimeout = 5 * time.Second

// stallSample is the least time between the two samples of consumer
// progress that tell a stalled consumer from a slow one.
const stallSample = time.Second

// failure is a failed check: what went wrong and how to fix it.
type failure struct{ what, fix string }

func (f *failure) Error() string { return f.what + "; " + f.fix }

func fail(fix, format string, args ...any) *failure {
	return &failure{what: fmt.Sprintf(format, args...), fix: fix}
}

// healthCheck is one line of the report: a name, and a run that returns
// the detail shown on success. Once JetStream fails or does not answer,
// the later checks that need it are skipped: each would wait for its own
// timeout.
type healthCheck struct {
	name    string
	run     func(ctx context.Context) (string, error)
	needsJS bool
}

const (
	checkNATS      = "NATS reachable"
	checkJetStream = "JetStream"
)

func (m *Main) healthCommand() *cobra.Command {
	var load configLoader
	cmd := command("health", "check config, NATS, JetStream objects and consumers (alias --health-check)",
		func(cmd *cobra.Command, _ []string) error { return m.healthCmd(cmd.Context(), load) })
	cmd.Long = "Check config, NATS, JetStream objects and consumers, one line per check; exit 0 only if all pass.\n'ordertrack --health-check' is the same command."
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) healthCmd(ctx context.Context, load configLoader) error {
	out := m.Stdout
	fmt.Fprintln(out, "Performing system health check...")
	cfg, err := load()
	if err != nil {
		report(out, "Configuration", "", err)
		return healthFailed([]string{"Configuration"})
	}
	report(out, "Configuration", configSummary(cfg), nil)
	h := &health{cfg: cfg, topo: pipeline.TopologyOf(cfg)}
	defer h.close()
	var failed []string
	for _, c := range h.checks(m) {
		if skip := h.skip(c); skip != nil {
			report(out, c.name, "", skip)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, healthTimeout+stallSample+cfg.Streaming.TriggerInterval)
		detail, err := c.run(cctx)
		cancel()
		if err != nil && ctx.Err() == nil && timedOut(err) {
			err = fail(monitor.NoAnswerFix, "no answer within %s: %v", healthTimeout, err)
			h.jsDown = true
		}
		if err != nil && c.name == checkJetStream {
			h.jsDown = true
		}
		report(out, c.name, detail, err)
		if err != nil {
			failed = append(failed, c.name)
		}
	}
	if len(failed) > 0 {
		return healthFailed(failed)
	}
	fmt.Fprintln(out, "All health checks passed - system is ready")
	return nil
}

var (
	errSkipped     = errors.New("skipped")
	errNoNATS      = fmt.Errorf("%w: NATS is not reachable", errSkipped)
	errNoJetStream = fmt.Errorf("%w: JetStream is not available", errSkipped)
)

// skip returns why check c is skipped after an earlier failure, or nil.
func (h *health) skip(c healthCheck) error {
	switch {
	case h.c == nil && c.name != checkNATS:
		return errNoNATS
	case h.jsDown && c.needsJS:
		return errNoJetStream
	}
	return nil
}

// timedOut reports whether err is a request that got no answer in time.
func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

func healthFailed(names []string) error {
	return fmt.Errorf("%d health check(s) failed: %s", len(names), strings.Join(names, ", "))
}

// report prints one check's line, and for a failure how to fix it.
func report(w io.Writer, name, detail string, err error) {
	var f *failure
	var p *pipeline.Problem
	switch {
	case errors.Is(err, errSkipped):
		fmt.Fprintf(w, "[skip] %s: %v\n", name, err)
	case errors.As(err, &f):
		fmt.Fprintf(w, "[FAIL] %s: %s\n       fix: %s\n", name, f.what, f.fix)
	case errors.As(err, &p):
		fmt.Fprintf(w, "[FAIL] %s: %s\n       fix: %s\n", name, p.What, p.Fix)
	case err != nil:
		fmt.Fprintf(w, "[FAIL] %s: %v\n", name, err)
	default:
		fmt.Fprintf(w, "[ok]   %s: %s\n", name, detail)
	}
}

func configSummary(cfg config.Config) string {
	return fmt.Sprintf("valid (%d partitions, prefix %q, SLAs processing %s, shipping %s, delivery %s)",
		cfg.Streaming.Partitions, cfg.Subjects.Prefix, order.HumanDuration(cfg.SLA.Processing),
		order.HumanDuration(cfg.SLA.Shipping), order.HumanDuration(cfg.SLA.Delivery))
}

// health holds what the checks share: the configuration and the connection.
type health struct {
	cfg    config.Config
	topo   pipeline.Topology
	c      *conn
	jsDown bool // JetStream failed or did not answer: skip what needs it
}

func (h *health) close() {
	if h.c != nil {
		h.c.close()
	}
}

func (h *health) checks(m *Main) []healthCheck {
	cs := []healthCheck{
		{name: checkNATS, run: func(context.Context) (string, error) { return h.connect(m) }},
		{name: checkJetStream, run: h.jetStream, needsJS: true},
		{name: "Server version", run: h.version},
	}
	for _, s := range pipeline.Streams(h.cfg) {
		cs = append(cs, healthCheck{name: "Stream " + s.Name, run: func(ctx context.Context) (string, error) { return h.stream(ctx, s) }, needsJS: true})
	}
	return append(cs,
		healthCheck{name: "Bucket " + pipeline.OrdersBucket, run: h.bucket, needsJS: true},
		healthCheck{name: "Consumers", run: h.consumers, needsJS: true},
		healthCheck{name: "Consumer progress", run: h.progress, needsJS: true},
	)
}

func (h *health) connect(m *Main) (string, error) {
	c, err := dial(h.cfg, "ordertrack health", false, m.logger(h.cfg))
	if err != nil {
		fix := "check nats.url, credentials and TLS settings, and that the server is up"
		if h.cfg.Embedded() {
			fix = "start the pipeline (ordertrack run), which runs the embedded server on nats.embedded.listen, or set nats.url"
		}
		return "", fail(fix, "%v", err) // names the (redacted) URL
	}
	h.c = c
	return fmt.Sprintf("connected to %s", c.nc.ConnectedUrlRedacted()), nil
}

func (h *health) jetStream(ctx context.Context) (string, error) {
	info, err := h.c.js.AccountInfo(ctx)
	if timedOut(err) {
		return "", err // reported as no answer, with its fix
	}
	if err != nil {
		return "", fail("enable JetStream on the server (nats-server -js) or for this account", "JetStream is not available: %v", err)
	}
	return fmt.Sprintf("enabled (%d streams, %d consumers in the account)", info.Streams, info.Consumers), nil
}

func (h *health) version(context.Context) (string, error) {
	v := h.c.nc.ConnectedServerVersion()
	if !atLeast(v, 2, 12) {
		return "", fail("upgrade nats-server to 2.12 or later", "server %s cannot hold message schedules (SLA timers need >= 2.12)", v)
	}
	return fmt.Sprintf("%s supports message schedules (>= 2.12)", v), nil
}

// atLeast reports whether a version "X.Y.Z[-suffix]" is at least major.minor.
func atLeast(v string, major, minor int) bool {
	var x, y int
	if _, err := fmt.Sscanf(strings.TrimPrefix(v, "v"), "%d.%d", &x, &y); err != nil {
		return false
	}
	return x > major || (x == major && y >= minor)
}

// stream verifies one stream as provisioning creates it.
func (h *health) stream(ctx context.Context, want jetstream.StreamConfig) (string, error) {
	info, err := pipeline.VerifyStream(ctx, h.c.js, want)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("matches the configuration (%s, %d messages)", strings.Join(want.Subjects, " "), info.State.Msgs), nil
}

func (h *health) bucket(ctx context.Context) (string, error) {
	st, err := pipeline.VerifyBucket(ctx, h.c.js, h.cfg)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("present (%d stored values)", st.Values), nil
}

func (h *health) consumers(ctx context.Context) (string, error) {
	parts, err := monitor.Partitions(ctx, h.c.js, h.topo)
	if err != nil {
		return "", err
	}
	have := func(stream, name string) *jetstream.ConsumerInfo {
		for _, p := range parts {
			for _, ci := range []*jetstream.ConsumerInfo{p.Events, p.Timers} {
				if ci != nil && ci.Stream == stream && ci.Name == name {
					return ci
				}
			}
		}
		return nil
	}
	if err := pipeline.VerifyConsumers(h.cfg, have); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d of %d present (2 per partition, pinned priority group %q)", 2*len(parts), 2*len(parts), pipeline.PriorityGroup), nil
}

// progress samples every consumer twice, stallSample (plus one trigger
// interval) apart when anything is pending, and fails for consumers that
// are at max_ack_pending or made no progress (no delivery, no ack) with
// messages waiting.
func (h *health) progress(ctx context.Context) (string, error) {
	first, err := monitor.Partitions(ctx, h.c.js, h.topo)
	if err != nil {
		return "", err
	}
	second := first
	if busy(first) {
		if !sleepUntil(ctx, time.Now().Add(stallSample+h.cfg.Streaming.TriggerInterval)) {
			return "", ctx.Err()
		}
		if second, err = monitor.Partitions(ctx, h.c.js, h.topo); err != nil {
			return "", err
		}
	}
	var stalled []string
	var pending uint64
	ackPending, served := 0, 0
	for i, p := range second {
		if why := stalledConsumer(first[i].Events, p.Events); why != "" {
			stalled = append(stalled, h.topo.EventsConsumer(i)+": "+why)
		}
		if why := stalledConsumer(first[i].Timers, p.Timers); why != "" {
			stalled = append(stalled, h.topo.TimersConsumer(i)+": "+why)
		}
		pending, ackPending = pending+p.Pending(), ackPending+p.AckPending()
		if p.Served() {
			served++
		}
	}
	stuck, err := monitor.Stuck(ctx, h.c.js, h.topo, second, time.Now())
	if err != nil {
		return "", err
	}
	if len(stuck) > 0 {
		var whats, fixes []string
		for _, p := range stuck {
			whats = append(whats, p.What)
			if !slices.Contains(fixes, p.Fix) {
				fixes = append(fixes, p.Fix)
			}
		}
		return "", fail(strings.Join(fixes, "; "), "%s", strings.Join(whats, "; "))
	}
	if len(stalled) > 0 {
		return "", fail(fmt.Sprintf("%d/%d partitions have a consuming instance: start 'ordertrack run' if none is running, otherwise check its logs", served, len(second)),
			"stalled: %s", strings.Join(stalled, "; "))
	}
	return fmt.Sprintf("not stalled (%d pending, %d awaiting ack; %d/%d partitions have a consuming instance)", pending, ackPending, served, len(second)), nil
}

func busy(ps []monitor.Partition) bool {
	for _, p := range ps {
		if p.Pending() > 0 || p.AckPending() > 0 {
			return true
		}
	}
	return false
}

// stalledConsumer says why a consumer sampled as a and then b is stalled,
// or "" when it is not.
func stalledConsumer(a, b *jetstream.ConsumerInfo) string {
	if a == nil || b == nil {
		return ""
	}
	if max := b.Config.MaxAckPending; max > 0 && b.NumAckPending >= max {
		return fmt.Sprintf("%d messages await acks (max_ack_pending %d reached)", b.NumAckPending, max)
	}
	waiting := a.NumPending > 0 || a.NumAckPending > 0
	if waiting && b.Delivered.Stream == a.Delivered.Stream && b.AckFloor.Stream == a.AckFloor.Stream {
		return fmt.Sprintf("%d pending, %d awaiting ack, no delivery or ack since the previous sample", b.NumPending, b.NumAckPending)
	}
	return ""
}
