package monitor_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// provisioned is a server with the pipeline's objects and a monitor, but
// no pipeline: each test makes the state it needs.
func provisioned(t *testing.T, cfg config.Config, opts ...pipelinetest.Option) (*pipelinetest.JetStream, string) {
	t.Helper()
	srv := pipelinetest.RunJetStream(t, opts...)
	if _, err := contract.Provision(context.Background(), srv.JS, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return srv, startMonitor(t, srv, cfg)
}

func startMonitor(t *testing.T, srv *pipelinetest.JetStream, cfg config.Config) string {
	t.Helper()
	mon, err := monitor.Start(monitor.Options{Listen: "127.0.0.1:0", Conn: srv.Conn, JS: srv.JS,
		Topology: contract.TopologyOf(cfg), NoReadModel: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mon.Stop(context.Background()) })
	return "http://" + mon.Addr()
}

func readyCfg() config.Config {
	cfg := config.Default()
	cfg.Streaming.Partitions = 2
	cfg.Streaming.AckWait = time.Second
	return cfg
}

// TestReadyzFailsWhenConsumerAheadOfStream: a consumer that believes it
// delivered sequence 99 of a stream that ends at 1 skips every new event;
// /readyz must say so, with the fix.
func TestReadyzFailsWhenConsumerAheadOfStream(t *testing.T) {
	t.Parallel()
	cfg := readyCfg()
	srv, base := provisioned(t, cfg)
	if _, err := srv.JS.Publish(context.Background(), testTopo.EventSubject("A1"), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	pipelinetest.ConsumerAhead(t, srv.JS, contract.EventsStream, contract.Consumers(cfg)[0].Config, 100)
	code, body := pipelinetest.Get(t, base+"/readyz")
	want := "consumer ordertrack-p0 has delivered up to sequence 99 but stream ORDER_EVENTS ends at 1"
	if code != http.StatusServiceUnavailable || !strings.Contains(body, want) || !strings.Contains(body, "fix: stop every ordertrack") {
		t.Errorf("/readyz %d: %s\nwant 503 with %q and its fix", code, body, want)
	}
}

// TestReadyzFailsWhenPartitionStuck: an instance holds partition 0's
// events (it is pinned, so the partition counts as served) and never acks;
// once that lasts longer than ack_wait /readyz must fail naming the
// partition. The wait counts from the oldest waiting message's stored time
// (no batch was ever acknowledged), so the test's clock starts before it is
// published.
func TestReadyzFailsWhenPartitionStuck(t *testing.T) {
	t.Parallel()
	cfg := readyCfg()
	srv, base := provisioned(t, cfg)
	topo := contract.TopologyOf(cfg)
	id := "STUCK-0"
	for i := 0; topo.Partition(id) != 0; i++ {
		id = fmt.Sprintf("STUCK-%d", i)
	}
	held := time.Now()
	if _, err := srv.JS.Publish(context.Background(), topo.EventSubject(id), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if n := pipelinetest.HoldMessages(t, srv.JS, contract.EventsStream, topo.EventsConsumer(0), contract.PriorityGroup, 1); n != 1 {
		t.Fatalf("the stuck instance got %d messages, want 1", n)
	}
	want := "partition 0: 1 messages wait on ordertrack-p0, and no batch was acknowledged for"
	var body string
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		var code int
		code, body = pipelinetest.Get(t, base+"/readyz")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, want) {
			return fmt.Errorf("/readyz %d does not report the stuck partition: %s", code, body)
		}
		return nil
	})
	if since := time.Since(held); since < cfg.Streaming.AckWait {
		t.Errorf("stuck reported %v after the hold, before ack_wait %v", since, cfg.Streaming.AckWait)
	}
	if !strings.Contains(body, "pinned client") || !strings.Contains(body, "fix: check the logs of the instance") {
		t.Errorf("/readyz does not name the owner and the fix: %s", body)
	}
}

// TestReadyzFailsWhenJetStreamDoesNotAnswer: requests to JetStream time
// out (here a server without JetStream whose API subjects a client
// swallows, as a stream without a leader would): /readyz fails within its
// timeout saying so, with the fix.
func TestReadyzFailsWhenJetStreamDoesNotAnswer(t *testing.T) {
	t.Parallel()
	srv := pipelinetest.RunJetStream(t, pipelinetest.WithoutJetStream())
	_, err := srv.Conn.Subscribe(testTopo.API(">"), func(*nats.Msg) {}) // never answers
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Conn.Flush(); err != nil {
		t.Fatal(err)
	}
	base := startMonitor(t, srv, readyCfg())
	began := time.Now()
	code, body := pipelinetest.Get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "JetStream did not answer") || !strings.Contains(body, "fix: check that the NATS server is up") {
		t.Errorf("/readyz %d: %s\nwant 503 saying JetStream did not answer, with the fix", code, body)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("/readyz took %v", took)
	}
}

// TestReadyzWarnsNearAccountLimits: with all but one of the account's
// max_consumers in use, /readyz stays 200 (the running pipeline goes on
// with the consumers it has) and says so with the numbers and the fix; a
// new instance, watch or webhook would be refused at the limit.
func TestReadyzWarnsNearAccountLimits(t *testing.T) {
	t.Parallel()
	e := setup(t, withMonitor(func(o *monitor.Options) { o.StatusEvery, o.NoReadModel = time.Hour, true }))
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if code, body := pipelinetest.Get(t, e.base+"/readyz"); code != http.StatusOK || body != "ready\n" {
			return fmt.Errorf("/readyz %d: %s", code, body)
		}
		return nil
	})
	// The account's consumer count can move while the pipeline starts (an
	// ordered consumer of a watch recreated under load): the limit and the
	// expected numbers are taken again until /readyz reports them.
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		n := consumers(t, e)
		e.srv.LimitAccount(n+1, -1)
		want := fmt.Sprintf("ready\nwarning: the account holds %d of %d consumers (%d%% of max_consumers): at the limit the server refuses new consumers (watch, dlq list, whatif, a new instance, a new webhook)\nfix: %s\n",
			n, n+1, n*100/(n+1), monitor.LimitFix)
		if code, body := pipelinetest.Get(t, e.base+"/readyz"); code != http.StatusOK || body != want {
			return fmt.Errorf("/readyz %d:\n%s\nwant 200:\n%s", code, body, want)
		}
		return nil
	})
}
