package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/notify"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// kit is a real embedded JetStream with the pipeline's objects provisioned.
type kit struct {
	t    *testing.T
	srv  *pipelinetest.JetStream
	cfg  config.Config
	prov *contract.Provisioned
}

func testConfig() config.Config {
	cfg := config.Default()
	cfg.Streaming.Partitions = 2
	cfg.Streaming.AckWait = 5 * time.Second // under load, a short ack wait redelivers held alerts
	cfg.Streaming.PinnedTTL = 2 * time.Second
	cfg.Notify.Backoff = 20 * time.Millisecond
	cfg.Notify.MaxAttempts = 4
	return cfg
}

func testLog() *slog.Logger {
	if os.Getenv("ORDERTRACK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newKit(t *testing.T, cfg config.Config) *kit {
	t.Helper()
	k := &kit{t: t, cfg: cfg, srv: pipelinetest.RunJetStream(t)}
	var err error
	k.prov, err = contract.Provision(context.Background(), k.srv.JS, cfg, testLog())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// notifier runs a notifier on its own connection until the test ends or
// the returned stop is called; kill closes the connection abruptly instead
// (as a kill -9 would: nothing acknowledged or handed back).
type running struct {
	n    *notify.Notifier
	nc   *nats.Conn
	stop func()
	kill func()
	met  *notify.Metrics
}

func (k *kit) notifier(hooks ...config.Webhook) *running {
	k.t.Helper()
	nc, js := pipelinetest.Connect(k.t, k.srv.URL(), nil)
	n := k.cfg.Notify
	n.Webhooks = hooks
	met := notify.NewMetrics()
	nt := notify.New(notify.Options{JS: js, Topology: k.prov.Topology, Orders: k.prov.Orders, Config: n,
		AckWait: k.cfg.Streaming.AckWait, PinnedTTL: k.cfg.Streaming.PinnedTTL, Metrics: met, Log: testLog()})
	met.Watch(nt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- nt.Run(ctx) }()
	r := &running{n: nt, nc: nc, met: met}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					k.t.Errorf("notifier: %v", err)
				}
			case <-time.After(pipelinetest.WaitTimeout()):
				k.t.Errorf("notifier did not stop within %v", pipelinetest.WaitTimeout())
			}
		})
	}
	r.kill = func() {
		nc.Close()
		cancel()
		go func() { <-done }()
	}
	k.t.Cleanup(r.stop)
	return r
}

// waitConsumer waits until a webhook's consumer exists (deliveries start
// with alerts stored after it).
func (k *kit) waitConsumer(name string) {
	k.t.Helper()
	pipelinetest.WaitFor(k.t, pipelinetest.WaitTimeout(), func() error {
		_, err := k.srv.JS.Consumer(context.Background(), contract.UpdatesStream, k.prov.Topology.NotifyConsumer(name))
		return err
	})
}

// alert publishes a synthetic breach of order id as the pipeline would.
func (k *kit) alert(id, sla, typ, tenant string) string {
	k.t.Helper()
	m := nats.NewMsg(k.prov.Topology.AlertSubject(order.SLA(sla), id))
	m.Data = fmt.Appendf(nil, `{"order_id":%q,"event_type":%q,"status":"ORDER","message":"SLA BREACH: Order %s not processed within 1s - Item: Blue Jeans","sla_breach":true,"sla":%q,"tenant_id":%q}`,
		id, typ, id, sla, tenant)
	msgID := id + ":" + typ + ":" + sla
	m.Header.Set(jetstream.MsgIDHeader, msgID)
	if _, err := k.srv.JS.PublishMsg(context.Background(), m); err != nil {
		k.t.Fatal(err)
	}
	return msgID
}

// request is one request a receiver got.
type request struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a local HTTP webhook endpoint recording what it receives;
// answer decides each response (default 200).
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []request
	// answer returns the status for the request, and may block.
	answer func(r *http.Request, n int) int
}

func newReceiver(t *testing.T, answer func(r *http.Request, n int) int) *receiver {
	rc := &receiver{answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, request{header: r.Header.Clone(), body: body, at: time.Now()})
		n := len(rc.got)
		rc.mu.Unlock()
		status := http.StatusOK
		if rc.answer != nil {
			status = rc.answer(r, n)
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "answer %d", status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

// deliveries counts the requests per Ordertrack-Delivery.
func (rc *receiver) deliveries() map[string]int {
	out := map[string]int{}
	for _, r := range rc.requests() {
		out[r.header.Get(notify.HeaderDelivery)]++
	}
	return out
}

// waitDeliveries waits until every id was received at least once.
func (rc *receiver) waitDeliveries(t *testing.T, within time.Duration, ids []string) {
	t.Helper()
	pipelinetest.WaitFor(t, within, func() error {
		got := rc.deliveries()
		var missing []string
		for _, id := range ids {
			if got[id] == 0 {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return fmt.Errorf("%d of %d alerts not received, e.g. %s", len(missing), len(ids), missing[0])
		}
		return nil
	})
}

func hook(name, url string) config.Webhook {
	w := config.DefaultWebhook()
	w.Name, w.URL, w.Timeout = name, url, 2*time.Second
	return w
}

func attempt(r request) int {
	n, _ := strconv.Atoi(r.header.Get(notify.HeaderAttempt))
	return n
}

// counter reads ordertrack_notify_deliveries_total{webhook,result}.
func counter(t *testing.T, m *notify.Metrics, webhook, result string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ordertrack_notify_deliveries_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["webhook"] == webhook && labels["result"] == result {
				return s.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func checkCounter(t *testing.T, m *notify.Metrics, webhook, result string, want float64) {
	t.Helper()
	if got := counter(t, m, webhook, result); got != want {
		t.Errorf("deliveries_total{webhook=%q,result=%q} = %v, want %v", webhook, result, got, want)
	}
}
