package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natstest "github.com/nats-io/nats-server/v2/test"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// reconnecting returns connection options that survive a server restart.
func reconnecting() []nats.Option {
	return []nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond), nats.ReconnectJitter(0, 0),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})}
}

// setupRestartable is setup with a connection that reconnects forever, so a
// running pipeline outlives a restart of the server (see restartServer).
func setupRestartable(t *testing.T, cfg config.Config) *env {
	t.Helper()
	e := &env{t: t, cfg: cfg, srv: startServer(t, t.TempDir())}
	t.Cleanup(func() {
		if e.stop != nil {
			e.stop()
		}
		e.nc.Close()
		e.srv.Shutdown()
		e.srv.WaitForShutdown()
	})
	nc, err := nats.Connect(e.srv.ClientURL(), reconnecting()...)
	if err != nil {
		t.Fatal(err)
	}
	e.nc = nc
	if e.js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	if e.prov, err = pipeline.Provision(context.Background(), e.js, cfg, testLog()); err != nil {
		t.Fatal(err)
	}
	return e
}

// restartServer shuts the server down and starts a new one on the same
// port and store while clients keep running.
func (e *env) restartServer() {
	e.t.Helper()
	port := e.srv.Addr().(*net.TCPAddr).Port
	dir := strings.TrimSuffix(e.srv.StoreDir(), "/jetstream")
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	opts := natstest.DefaultTestOptions
	opts.Port = port
	opts.JetStream = true
	opts.StoreDir = dir
	srv, err := server.NewServer(&opts)
	if err != nil {
		e.t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		e.t.Fatal("restarted server not ready")
	}
	e.srv = srv
}

// lifecycle is the event plan of one order: four events, the last a
// cancellation for every tenth order.
func lifecycle(i int) (id string, types []string, final order.Stage) {
	id = fmt.Sprintf("RST-%04d", i)
	types = []string{"ORDER_PLACED", "PROCESSING_STARTED", "ITEM_SHIPPED", "ITEM_DELIVERED"}
	final = order.StageDelivered
	if i%10 == 0 {
		types[3], final = "ORDER_CANCELLED", order.StageCancelled
	}
	return id, types, final
}

// produce publishes n interleaved lifecycles step by step, each event with
// its event id as Nats-Msg-Id. Events go out asynchronously in chunks; an
// event whose publish fails is retried until the server stores it (a retry
// of a stored event is dropped by the stream as a duplicate). A step starts
// once the previous one is stored, so each order's events keep their order.
// onSent is called after each chunk with the count stored so far.
func produce(ctx context.Context, js jetstream.JetStream, n int, onSent func(int)) error {
	const chunk = 250
	ts := time.Now().UTC().Add(-time.Minute)
	sent := 0
	for step := range 4 {
		for lo := 0; lo < n; lo += chunk {
			var msgs []*nats.Msg
			for i := lo; i < min(lo+chunk, n); i++ {
				msgs = append(msgs, lifecycleEvent(i, step, ts))
			}
			if err := pipelinetest.PublishAll(ctx, js, msgs); err != nil {
				return err
			}
			sent += len(msgs)
			onSent(sent)
		}
	}
	return nil
}

// lifecycleEvent is the input event of step (0-3) of order i.
func lifecycleEvent(i, step int, ts time.Time) *nats.Msg {
	id, types, _ := lifecycle(i)
	evID := fmt.Sprintf("%s-e%d", id, step)
	m := nats.NewMsg("orders.events." + id)
	m.Data = fmt.Appendf(nil, `{"event_id":%q,"order_id":%q,"event_type":%q,"timestamp":%q,"item_name":"Blue Jeans","customer_id":"CUST-1"}`,
		evID, id, types[step], ts.Add(time.Duration(step)*time.Second).Format(time.RFC3339Nano))
	m.Header.Set(jetstream.MsgIDHeader, evID)
	return m
}

// checkExactlyOnce asserts SPEC section 7's crash guarantees over the
// lifecycles of n orders: one output per order and stage, no duplicate
// Nats-Msg-Id, the right final state in KV, and KV agreeing with the last
// output of each order.
func checkExactlyOnce(t *testing.T, outs []output, n int, state func(id string) order.State) {
	t.Helper()
	ids := map[string]int{}
	perStage := map[string]int{}
	last := map[string]output{}
	for _, o := range outs {
		ids[o.MsgID]++
		perStage[o.OrderID+"/"+string(o.Type)]++
		last[o.OrderID] = o
	}
	for id, c := range ids {
		if c > 1 {
			t.Errorf("Nats-Msg-Id %s emitted %d times", id, c)
		}
	}
	if len(outs) != 4*n {
		t.Errorf("%d outputs, want %d", len(outs), 4*n)
	}
	bad := 0
	for i := range n {
		id, types, final := lifecycle(i)
		for step, typ := range types {
			if step == 0 {
				typ = string(order.UpdateConfirmed)
			}
			if c := perStage[id+"/"+typ]; c != 1 && bad < 10 {
				bad++
				t.Errorf("order %s: %d outputs %s, want 1", id, c, typ)
			}
		}
		s := state(id)
		if (s.Status != final || last[id].Status != s.Status) && bad < 10 {
			bad++
			t.Errorf("order %s: KV status %s, last output status %s, want %s", id, s.Status, last[id].Status, final)
		}
	}
}

// TestServerRestartMidStream restarts the NATS server twice while events
// are published and the pipeline runs: nothing is lost or applied twice and
// no output is duplicated.
func TestServerRestartMidStream(t *testing.T) {
	cfg := testConfig()
	cfg.Streaming.AckWait = 2 * time.Second
	e := setupRestartable(t, cfg)
	e.start(pipeline.Options{})
	pnc, err := nats.Connect(e.srv.ClientURL(), reconnecting()...)
	if err != nil {
		t.Fatal(err)
	}
	defer pnc.Close()
	pjs, _ := jetstream.New(pnc)

	const n = 600
	start := time.Now()
	restartAt := []int{700, 1700} // events stored before each restart
	restarts := make(chan int, len(restartAt))
	var restarted atomic.Int32
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		next := 0
		done <- produce(ctx, pjs, n, func(sent int) {
			if next < len(restartAt) && sent >= restartAt[next] {
				next++
				restarts <- sent
			}
		})
	}()
	for range restartAt {
		select {
		case sent := <-restarts:
			e.restartServer()
			restarted.Add(1)
			t.Logf("server restarted after %d events published (%v)", sent, time.Since(start).Round(time.Millisecond))
		case err := <-done:
			t.Fatalf("producer ended before the restarts: %v", err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("all events published after %v", time.Since(start).Round(time.Millisecond))
	pipelinetest.WaitFor(t, 30*time.Second, "all consumers idle after the restarts", e.idle)
	t.Logf("idle after %v", time.Since(start).Round(time.Millisecond))
	states := e.allStates()
	checkExactlyOnce(t, e.allOutputs(), n, func(id string) order.State { return states[id] })
	stopped := time.Now()
	e.stop()
	t.Logf("pipeline stopped in %v", time.Since(stopped).Round(time.Millisecond))
	if got := restarted.Load(); got != 2 {
		t.Errorf("%d restarts, want 2", got)
	}
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Errorf("%d dead letters, first %s from %s: %s", len(dl), dl[0].Subject,
			dl[0].Header.Get(pipeline.HeaderSourceSubject), dl[0].Header.Get(pipeline.HeaderError))
	}
}

// readStream returns the messages of a stream an ordered consumer with cfg
// delivers, up to what was there when called.
func (e *env) readStream(stream string, cfg jetstream.OrderedConsumerConfig) []jetstream.Msg {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := e.js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []jetstream.Msg
	for left := int(info.NumPending); left > 0; {
		batch, err := c.Fetch(min(left, 1000), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			e.t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			out = append(out, m)
			n++
		}
		if n == 0 {
			e.t.Fatalf("%s: %d messages left unread", stream, left)
		}
		left -= n
	}
	return out
}

// allOutputs is e.outputs read with one consumer instead of a request per
// message.
func (e *env) allOutputs() []output {
	e.t.Helper()
	var out []output
	for _, m := range e.readStream(pipeline.UpdatesStream, jetstream.OrderedConsumerConfig{}) {
		var u order.Update
		if err := json.Unmarshal(m.Data(), &u); err != nil {
			e.t.Fatalf("output %s is not JSON: %v", m.Subject(), err)
		}
		out = append(out, output{Update: u, Subject: m.Subject(), MsgID: m.Headers().Get(jetstream.MsgIDHeader)})
	}
	return out
}

// allStates returns the state of every order in the ORDERS bucket.
func (e *env) allStates() map[string]order.State {
	e.t.Helper()
	out := map[string]order.State{}
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy, FilterSubjects: []string{"$KV.ORDERS.>"}}
	for _, m := range e.readStream("KV_"+pipeline.OrdersBucket, cfg) {
		if m.Headers().Get("KV-Operation") != "" {
			continue
		}
		s, err := pipeline.DecodeState(m.Data())
		if err != nil {
			e.t.Fatalf("KV %s: %v", m.Subject(), err)
		}
		out[strings.TrimPrefix(m.Subject(), "$KV.ORDERS.")] = s
	}
	return out
}
