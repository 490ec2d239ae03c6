package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// env is a real embedded JetStream server with the pipeline's objects.
type env struct {
	t    *testing.T
	srv  *pipelinetest.JetStream
	nc   *nats.Conn
	js   jetstream.JetStream
	cfg  config.Config
	prov *contract.Provisioned
	stop func() // stops the running pipeline, if any
}

func testConfig() config.Config {
	cfg := config.Default()
	cfg.Streaming.Partitions = 4
	cfg.Streaming.MaxBatch = 200
	cfg.Streaming.AckWait = 5 * time.Second
	cfg.Streaming.PinnedTTL = 2 * time.Second
	cfg.SLA.Processing = time.Hour
	cfg.SLA.Shipping = 2 * time.Hour
	cfg.SLA.Delivery = 4 * time.Hour
	return cfg
}

// testTopo is testConfig's Topology: tests publish and filter with its
// subjects, and assert the names SPEC gives them.
var testTopo = contract.TopologyOf(testConfig())

func setup(t *testing.T, cfg config.Config, opts ...pipelinetest.Option) *env {
	t.Helper()
	e := &env{t: t, cfg: cfg}
	e.reopen(opts...)
	// Registered after the server's cleanup, so it runs first.
	t.Cleanup(func() {
		if e.stop != nil {
			e.stop()
		}
	})
	return e
}

// reopen starts a server (on a fresh store unless opts name one), connects
// and provisions.
func (e *env) reopen(opts ...pipelinetest.Option) {
	e.t.Helper()
	e.srv = pipelinetest.RunJetStream(e.t, opts...)
	e.nc, e.js = e.srv.Conn, e.srv.JS
	var err error
	if e.prov, err = contract.Provision(context.Background(), e.js, e.cfg, testLog()); err != nil {
		e.t.Fatal(err)
	}
}

func testLog() *slog.Logger {
	if os.Getenv("ORDERTRACK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// start runs a pipeline until the test ends or e.stop is called.
func (e *env) start(opts pipeline.Options) *pipeline.Pipeline {
	e.t.Helper()
	opts.Config = e.cfg
	if opts.Log == nil {
		opts.Log = testLog()
	}
	p := pipeline.New(e.js, e.prov, opts)
	e.stop = pipelinetest.StartPipeline(e.t, p)
	// Wait until it owns every partition: events published from now on
	// are processed as they come.
	pipelinetest.WaitFor(e.t, pipelinetest.WaitTimeout(), func() error {
		if n := len(p.Stats().Owned()); n != e.cfg.Streaming.Partitions {
			return fmt.Errorf("pipeline owns %d of %d partitions", n, e.cfg.Streaming.Partitions)
		}
		return nil
	})
	return p
}

// ev is a shorthand input event.
type ev struct {
	id, typ, ts, eventID string
}

func (e *env) publish(events ...ev) {
	e.t.Helper()
	for _, x := range events {
		body := map[string]any{"order_id": x.id, "event_type": x.typ, "item_name": "Blue Jeans", "customer_id": "CUST-1", "quantity": 2}
		if x.ts != "" {
			body["timestamp"] = x.ts
		}
		if x.eventID != "" {
			body["event_id"] = x.eventID
		}
		data, _ := json.Marshal(body)
		e.publishRaw(testTopo.EventSubject(x.id), data)
	}
}

func (e *env) publishRaw(subject string, data []byte) {
	e.t.Helper()
	if _, err := e.js.Publish(context.Background(), subject, data); err != nil {
		e.t.Fatal(err)
	}
}

// outputs returns every message on ORDER_UPDATES, decoded, in stream order.
func (e *env) outputs() []output {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.js.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, _ := s.Info(ctx)
	var out []output
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		var u order.Update
		if err := json.Unmarshal(m.Data, &u); err != nil {
			e.t.Fatalf("output %d is not JSON: %v", seq, err)
		}
		out = append(out, output{Update: u, Subject: m.Subject, MsgID: m.Header.Get(jetstream.MsgIDHeader)})
	}
	return out
}

type output struct {
	order.Update
	Subject, MsgID string
}

func forOrder(outs []output, id string) []output {
	var r []output
	for _, o := range outs {
		if o.OrderID == id {
			r = append(r, o)
		}
	}
	return r
}

// idle returns nil once every consumer has delivered and had acked
// everything stored for it, or else names the first one that has not.
func (e *env) idle() error {
	ctx := context.Background()
	for i := range e.cfg.Streaming.Partitions {
		if err := pipelinetest.ConsumerIdle(ctx, e.js, contract.EventsStream, e.prov.Topology.EventsConsumer(i)); err != nil {
			return err
		}
		if err := pipelinetest.ConsumerIdle(ctx, e.js, contract.SLAStream, e.prov.Topology.TimersConsumer(i)); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) waitIdle() {
	e.t.Helper()
	pipelinetest.WaitFor(e.t, 20*time.Second, e.idle)
}

// state reads an order's state from KV.
func (e *env) state(id string) (order.State, uint64) {
	e.t.Helper()
	entry, err := e.prov.Orders.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	if !entry.Found {
		return order.State{}, entry.Revision
	}
	s, err := contract.DecodeState(entry.Value)
	if err != nil {
		e.t.Fatal(err)
	}
	return s, entry.Revision
}

func types(outs []output) []string {
	r := make([]string, len(outs))
	for i, o := range outs {
		r[i] = fmt.Sprintf("%s/%s", o.Type, o.Status)
	}
	return r
}

func sortedMsgIDs(outs []output) []string {
	r := make([]string, len(outs))
	for i, o := range outs {
		r[i] = o.MsgID
	}
	sort.Strings(r)
	return r
}

// pendingTimers counts SLA schedules waiting to fire.
func (e *env) pendingTimers() int {
	e.t.Helper()
	ctx := context.Background()
	info, err := e.prov.Timers.Info(ctx, jetstream.WithSubjectFilter(testTopo.SlotSchedulesWildcard()))
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for subj, c := range info.State.Subjects {
		_ = subj
		n += int(c)
	}
	// Tombstones of cancelled timers expire within a second; count only schedules.
	for subj := range info.State.Subjects {
		m, err := e.prov.Timers.GetLastMsgForSubject(ctx, subj)
		if err == nil && m.Header.Get("Nats-Schedule") == "" {
			n--
		}
	}
	return n
}
