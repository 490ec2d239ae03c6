package health

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest/kafka"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
)

func (h *Checker) connect(context.Context) (string, error) {
	nc, js, closeFn, err := h.dial()
	if err != nil {
		fix := "check nats.url, credentials and TLS settings, and that the server is up"
		if h.cfg.Embedded() {
			fix = "start the pipeline (ordertrack run), which runs the embedded server on nats.embedded.listen, or set nats.url"
		}
		return "", fail(fix, "%v", err) // names the (redacted) URL
	}
	h.nc, h.js, h.close = nc, js, closeFn
	return fmt.Sprintf("connected to %s", nc.ConnectedUrlRedacted()), nil
}

// kafka checks the brokers, the topics and the consumer group of the
// Kafka source (ingest.kafka.enabled).
func (h *Checker) kafka(ctx context.Context) (string, error) {
	detail, err := kafka.Check(ctx, h.cfg.Ingest.Kafka)
	if err != nil {
		return "", fail("check ingest.kafka.brokers, topics, SASL and TLS, and that the brokers are up", "%v", err)
	}
	return detail, nil
}

func (h *Checker) jetStream(ctx context.Context) (string, error) {
	info, err := h.js.AccountInfo(ctx)
	if timedOut(err) {
		return "", err // reported as no answer, with its fix
	}
	if err != nil {
		return "", fail("enable JetStream on the server (nats-server -js) or for this account", "JetStream is not available: %v", err)
	}
	return fmt.Sprintf("enabled (%d streams, %d consumers in the account)", info.Streams, info.Consumers), nil
}

// limits shows the account's consumers and streams against its limits,
// and warns from monitor.LimitWarnPercent of one: at the limit the server
// refuses new consumers (watch, a new instance, a webhook) while the
// running pipeline goes on.
func (h *Checker) limits(ctx context.Context) (string, error) {
	info, err := h.js.AccountInfo(ctx)
	if err != nil {
		return "", err
	}
	var all, near []string
	for _, l := range monitor.AccountLimits(info) {
		all = append(all, l.String())
		if l.Near() {
			near = append(near, fmt.Sprintf("the account holds %s: at the limit the server refuses %s", l, l.Refused()))
		}
	}
	if len(near) > 0 {
		return "", &Warning{What: strings.Join(near, "; "), Fix: monitor.LimitFix}
	}
	return strings.Join(all, ", "), nil
}

func (h *Checker) version(context.Context) (string, error) {
	v := h.nc.ConnectedServerVersion()
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
func (h *Checker) stream(ctx context.Context, want jetstream.StreamConfig) (string, error) {
	info, err := contract.VerifyStream(ctx, h.js, want)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("matches the configuration (%s, %d messages)", strings.Join(want.Subjects, " "), info.State.Msgs), nil
}

func (h *Checker) bucket(ctx context.Context) (string, error) {
	st, err := contract.VerifyBucket(ctx, h.js, h.cfg)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("present (%d stored values)", st.Values), nil
}

// riskBucket checks the learned-risk model's bucket (SPEC 17).
func (h *Checker) riskBucket(ctx context.Context) (string, error) {
	n, err := contract.VerifyRisk(ctx, h.js)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("present (%d segment models)", n), nil
}

func (h *Checker) consumers(ctx context.Context) (string, error) {
	parts, err := monitor.Partitions(ctx, h.js, h.topo)
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
	if err := contract.VerifyConsumers(h.cfg, have); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d of %d present (2 per partition, pinned priority group %q)", 2*len(parts), 2*len(parts), contract.PriorityGroup), nil
}
