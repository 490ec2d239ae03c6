package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// provisionOnly starts a server with the pipeline's objects for a
// two-partition configuration with a one-second ack_wait, and no pipeline.
func provisionOnly(t *testing.T) (*pipelinetest.JetStream, config.Config, []string) {
	t.Helper()
	srv := pipelinetest.RunJetStream(t)
	cfg := config.Default()
	cfg.Streaming.Partitions = 2
	cfg.Streaming.AckWait = time.Second
	if _, err := contract.Provision(context.Background(), srv.JS, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return srv, cfg, []string{"health", "--nats.url", srv.URL(), "--streaming.partitions", "2", "--streaming.ack_wait", "1s"}
}

// TestHealthFailsWhenConsumerAheadOfStream: the state two servers on one
// store left behind: a consumer past its stream's last
// sequence, nothing pending, which skips new events. health passed it.
func TestHealthFailsWhenConsumerAheadOfStream(t *testing.T) {
	t.Parallel()
	srv, cfg, args := provisionOnly(t)
	pipelinetest.ConsumerAhead(t, srv.JS, contract.EventsStream, contract.Consumers(cfg)[0].Config, 100)
	code, out, _ := runCommand(t, args...)
	if code == 0 || !strings.Contains(out, "[FAIL] Consumer progress: consumer ordertrack-p0 has delivered up to sequence 99 but stream ORDER_EVENTS ends at 0") ||
		!strings.Contains(out, "fix: stop every ordertrack") {
		t.Errorf("consumer ahead of its stream: exit %d\n%s", code, out)
	}
}

// TestHealthFailsWhenPartitionStuck: an instance is pinned to partition 0
// and holds its event without acking for longer than ack_wait.
func TestHealthFailsWhenPartitionStuck(t *testing.T) {
	t.Parallel()
	srv, cfg, args := provisionOnly(t)
	topo := contract.TopologyOf(cfg)
	id := "STUCK-0"
	for i := 0; topo.Partition(id) != 0; i++ {
		id = fmt.Sprintf("STUCK-%d", i)
	}
	if _, err := srv.JS.Publish(context.Background(), topo.EventSubject(id), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	pipelinetest.HoldMessages(t, srv.JS, contract.EventsStream, topo.EventsConsumer(0), contract.PriorityGroup, 1)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		code, out, _ := runCommand(t, args...)
		if code == 0 || !strings.Contains(out, "[FAIL] Consumer progress: partition 0: 1 messages wait on ordertrack-p0, and no batch was acknowledged for") ||
			!strings.Contains(out, "fix: check the logs of the instance") {
			return fmt.Errorf("health does not report the stuck partition: exit %d\n%s", code, out)
		}
		return nil
	})
}

// TestHealthFailsWhenJetStreamDoesNotAnswer: JetStream requests time out.
// The check says so with a fix, and the checks that need JetStream are
// skipped rather than each waiting for its own timeout.
func TestHealthFailsWhenJetStreamDoesNotAnswer(t *testing.T) {
	t.Parallel()
	srv := pipelinetest.RunJetStream(t, pipelinetest.WithoutJetStream())
	if _, err := srv.Conn.Subscribe(testTopo.API(">"), func(*nats.Msg) {}); err != nil { // never answers
		t.Fatal(err)
	}
	if err := srv.Conn.Flush(); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	code, out, _ := runCommand(t, "health", "--nats.url", srv.URL())
	took := time.Since(began)
	if code == 0 || !strings.Contains(out, "[FAIL] JetStream: no answer within 5s") || !strings.Contains(out, "fix: check that the NATS server is up") ||
		!strings.Contains(out, "[skip] Stream ORDER_EVENTS: skipped: JetStream is not available") {
		t.Errorf("JetStream not answering: exit %d\n%s", code, out)
	}
	if took > 15*time.Second {
		t.Errorf("health took %v", took)
	}
}

// TestHealthWarnsNearAccountLimits: with 4 of the account's 5 consumers in
// use (80%), health passes with a warning that gives the numbers and the
// fix: at max_consumers the server refuses watch, a new instance and a
// webhook while health said all passed.
func TestHealthWarnsNearAccountLimits(t *testing.T) {
	t.Parallel()
	srv, _, args := provisionOnly(t)
	srv.LimitAccount(5, -1)
	code, out, errs := runCommand(t, args...)
	want := "[warn] Account limits: the account holds 4 of 5 consumers (80% of max_consumers): at the limit the server refuses new consumers (watch, dlq list, whatif, a new instance, a new webhook)\n" +
		"       fix: " + monitor.LimitFix + "\n"
	if code != 0 || !strings.Contains(out, want) || !strings.HasSuffix(out, "All health checks passed, with 1 warning(s) - system is ready\n") {
		t.Errorf("health near max_consumers: exit %d, want 0 and\n%s\ngot:\n%s%s", code, want, out, errs)
	}
	srv.LimitAccount(100, 10)
	code, out, _ = runCommand(t, args...)
	if want := "[ok]   Account limits: 4 of 100 consumers (4% of max_consumers), 6 of 10 streams (60% of max_streams)\n"; code != 0 || !strings.Contains(out, want) ||
		!strings.HasSuffix(out, "All health checks passed - system is ready\n") {
		t.Errorf("health well below the limits: exit %d, want 0 and\n%s\ngot:\n%s", code, want, out)
	}
}
