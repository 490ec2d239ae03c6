package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestLifecycleThroughNATS drives each lifecycle case of SPEC section 4
// through a real server and checks the outputs of section 6 and KV state.
func TestLifecycleThroughNATS(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	e.start(pipeline.Options{})
	t0 := time.Now().UTC().Add(-time.Minute)
	ts := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }
	cases := []struct {
		name   string
		events []ev
		want   []string // event_type/status of the outputs, in order
		status order.Stage
		check  func(t *testing.T, outs []output, s order.State)
	}{
		{"in order", []ev{{"", "ORDER_PLACED", ts(0), ""}, {"", "PROCESSING_STARTED", ts(1), ""}, {"", "ITEM_SHIPPED", ts(2), ""}, {"", "ITEM_DELIVERED", ts(3), ""}},
			[]string{"ORDER_CONFIRMED/ORDER", "PROCESSING_STARTED/PROCESSING", "ITEM_SHIPPED/SHIPPED", "ITEM_DELIVERED/DELIVERED"}, order.StageDelivered,
			func(t *testing.T, outs []output, s order.State) {
				for _, o := range outs {
					if o.ItemName != "Blue Jeans" || o.CustomerID != "CUST-1" || o.SLABreach {
						t.Errorf("output %+v: want item and customer carried, no breach", o.Update)
					}
					if !strings.HasPrefix(o.Subject, "orders.updates.") {
						t.Errorf("subject %s", o.Subject)
					}
				}
				if s.PlacedAt == nil || s.DeliveredAt == nil || !s.DeliveredAt.Equal(t0.Add(3)) {
					t.Errorf("stage times not recorded: %+v", s)
				}
			}},
		{"skipped stage", []ev{{"", "ORDER_PLACED", ts(0), ""}, {"", "ITEM_SHIPPED", ts(2), ""}},
			[]string{"ORDER_CONFIRMED/ORDER", "ITEM_SHIPPED/SHIPPED"}, order.StageShipped,
			func(t *testing.T, outs []output, _ order.State) {
				if !strings.Contains(outs[1].Message, "PROCESSING") {
					t.Errorf("message %q should name the stage not seen", outs[1].Message)
				}
			}},
		{"late event", []ev{{"", "ORDER_PLACED", ts(0), ""}, {"", "ITEM_SHIPPED", ts(2), ""}, {"", "PROCESSING_STARTED", ts(1), ""}},
			[]string{"ORDER_CONFIRMED/ORDER", "ITEM_SHIPPED/SHIPPED", "PROCESSING_STARTED/SHIPPED"}, order.StageShipped,
			func(t *testing.T, outs []output, s order.State) {
				if !outs[2].Late || s.ProcessingAt == nil {
					t.Errorf("late processing: update %+v state %+v", outs[2].Update, s)
				}
			}},
		{"duplicate", []ev{{"", "ORDER_PLACED", ts(0), "e1"}, {"", "ORDER_PLACED", ts(0), "e1"}, {"", "ORDER_PLACED", ts(0), "e2"}, {"", "PROCESSING_STARTED", ts(1), "e1"}},
			[]string{"ORDER_CONFIRMED/ORDER"}, order.StageOrder, nil},
		{"cancel after delivery", []ev{{"", "ORDER_PLACED", ts(0), ""}, {"", "ITEM_DELIVERED", ts(3), ""}, {"", "ORDER_CANCELLED", ts(4), ""}, {"", "ORDER_CANCELLED", ts(5), ""}},
			[]string{"ORDER_CONFIRMED/ORDER", "ITEM_DELIVERED/DELIVERED", "EVENT_REJECTED/DELIVERED"}, order.StageDelivered, nil},
		{"stage after cancellation", []ev{{"", "ORDER_PLACED", ts(0), ""}, {"", "ORDER_CANCELLED", ts(1), ""}, {"", "ITEM_SHIPPED", ts(2), ""}},
			[]string{"ORDER_CONFIRMED/ORDER", "ORDER_CANCELLED/CANCELLED", "EVENT_REJECTED/CANCELLED"}, order.StageCancelled, nil},
	}
	for i, c := range cases {
		id := fmt.Sprintf("LC-%d", i)
		for _, x := range c.events {
			x.id = id
			e.publish(x)
		}
	}
	e.waitIdle()
	outs := e.outputs()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("LC-%d", i)
			got := forOrder(outs, id)
			if !slices.Equal(types(got), c.want) {
				t.Fatalf("outputs %v, want %v", types(got), c.want)
			}
			s, _ := e.state(id)
			if s.Status != c.status {
				t.Errorf("KV status %s, want %s", s.Status, c.status)
			}
			for _, o := range got {
				if o.MsgID != o.OrderID+":"+string(o.Type)+":"+msgKey(o) {
					t.Errorf("Nats-Msg-Id %q not deterministic for %s", o.MsgID, o.Type)
				}
			}
			if c.check != nil {
				c.check(t, got, s)
			}
		})
	}
}

func msgKey(o output) string {
	_, key, _ := strings.Cut(strings.TrimPrefix(o.MsgID, o.OrderID+":"), ":")
	return key
}

// TestThousandOrdersAcrossPartitions checks that interleaved lifecycles of
// 1,000 orders over every partition end in the right states.
func TestThousandOrdersAcrossPartitions(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	e.start(pipeline.Options{})
	const n = 1000
	steps := []string{"ORDER_PLACED", "PROCESSING_STARTED", "ITEM_SHIPPED", "ITEM_DELIVERED"}
	now := time.Now().UTC().Add(-time.Minute)
	for step, typ := range steps {
		for i := range n {
			if i%10 == 0 && step == 3 {
				typ = "ORDER_CANCELLED"
			} else {
				typ = steps[step]
			}
			e.publish(ev{fmt.Sprintf("BULK-%04d", i), typ, now.Add(time.Duration(step) * time.Second).Format(time.RFC3339Nano), ""})
		}
	}
	e.waitIdle()
	outs := e.outputs()
	if len(outs) != 4*n {
		t.Fatalf("%d outputs, want %d", len(outs), 4*n)
	}
	parts := map[int]bool{}
	for i := range n {
		id := fmt.Sprintf("BULK-%04d", i)
		parts[e.prov.Topology.Partition(id)] = true
		s, _ := e.state(id)
		want := order.StageDelivered
		if i%10 == 0 {
			want = order.StageCancelled
		}
		if s.Status != want {
			t.Fatalf("order %s: status %s, want %s", id, s.Status, want)
		}
	}
	if len(parts) != e.cfg.Streaming.Partitions {
		t.Errorf("orders covered %d partitions, want %d", len(parts), e.cfg.Streaming.Partitions)
	}
	ids := sortedMsgIDs(outs)
	if len(slices.Compact(ids)) != 4*n {
		t.Error("duplicate Nats-Msg-Id among outputs")
	}
}

// TestRestartProcessesNothingTwice stops the pipeline, starts a new one on
// the same server and checks that nothing is re-applied or re-emitted.
func TestRestartProcessesNothingTwice(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	e.start(pipeline.Options{})
	for i := range 50 {
		e.publish(ev{id: fmt.Sprintf("RS-%02d", i), typ: "ORDER_PLACED"})
	}
	e.waitIdle()
	_, rev := e.state("RS-07")
	e.stop()

	e.start(pipeline.Options{})
	for i := range 50 {
		e.publish(ev{id: fmt.Sprintf("RS-%02d", i), typ: "PROCESSING_STARTED"})
	}
	e.waitIdle()
	outs := e.outputs()
	if len(outs) != 100 {
		t.Fatalf("%d outputs after restart, want 100", len(outs))
	}
	if s, rev2 := e.state("RS-07"); s.Status != order.StageProcessing || rev2 <= rev {
		t.Errorf("RS-07 after restart: %s rev %d (was %d)", s.Status, rev2, rev)
	}
	ids := sortedMsgIDs(outs)
	if len(slices.Compact(ids)) != 100 {
		t.Error("an output was emitted twice")
	}
	// A redelivered duplicate of an applied event changes nothing.
	e.publish(ev{id: "RS-07", typ: "PROCESSING_STARTED"})
	e.waitIdle()
	if n := len(e.outputs()); n != 100 {
		t.Errorf("duplicate after restart produced output: %d outputs", n)
	}
	_ = context.Background
}

// TestBackToBackLifecycles publishes each order's four events one right
// after the other, so consecutive batches of a partition share orders while
// the earlier one's publishes are still in flight. The later batch must wait
// for the earlier one: no compare-and-set conflict, every output once, in
// lifecycle order. Batches of at most three events make that so however
// the machine's load groups the deliveries: an order's four events always
// straddle batches.
func TestBackToBackLifecycles(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Streaming.MaxBatch = 3
	e := setup(t, cfg)
	p := e.start(pipeline.Options{})
	const n = 20
	steps := []string{"ORDER_PLACED", "PROCESSING_STARTED", "ITEM_SHIPPED", "ITEM_DELIVERED"}
	now := time.Now().UTC().Add(-time.Minute)
	for i := range n {
		for step, typ := range steps {
			e.publish(ev{fmt.Sprintf("B2B-%02d", i), typ, now.Add(time.Duration(step) * time.Second).Format(time.RFC3339Nano), ""})
		}
	}
	e.waitIdle()
	outs := e.outputs()
	if len(outs) != 4*n {
		t.Fatalf("%d outputs, want %d", len(outs), 4*n)
	}
	want := []string{"ORDER_CONFIRMED/ORDER", "PROCESSING_STARTED/PROCESSING", "ITEM_SHIPPED/SHIPPED", "ITEM_DELIVERED/DELIVERED"}
	for i := range n {
		id := fmt.Sprintf("B2B-%02d", i)
		if got := types(forOrder(outs, id)); !slices.Equal(got, want) {
			t.Errorf("order %s outputs %v, want %v", id, got, want)
		}
		if s, _ := e.state(id); s.Status != order.StageDelivered {
			t.Errorf("order %s: status %s, want DELIVERED", id, s.Status)
		}
	}
	if c := p.Stats().Conflicts.Load(); c != 0 {
		t.Errorf("%d compare-and-set conflicts; a batch ran on a state its predecessor had not confirmed", c)
	}
	if b := p.Stats().Batches.Load(); b < (4*n+2)/3 {
		t.Errorf("%d batches for %d events of at most 3 each", b, 4*n)
	}
}

// TestStopWithBacklogReturnsPromptly stops the pipeline while producers keep
// a backlog ahead of it: there is always input waiting, and Run must still
// return (it finishes what was delivered, at most finishBudget) instead of
// working on until the input stops.
func TestStopWithBacklogReturnsPromptly(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	p := e.start(pipeline.Options{})
	ctx, stopProducing := context.WithCancel(context.Background())
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; ctx.Err() == nil; i++ {
			id := fmt.Sprintf("FLOOD-%07d", i)
			_, _ = e.js.PublishAsync(testTopo.EventSubject(id), []byte(`{"order_id":"`+id+`","event_type":"ORDER_PLACED"}`),
				jetstream.WithStallWait(time.Second))
		}
	}()
	defer func() { stopProducing(); <-produced }()
	pipelinetest.WaitFor(t, 30*time.Second, func() error {
		if n := p.Stats().Messages.Load(); n < 500 {
			return fmt.Errorf("the pipeline processed %d events, want 500", n)
		}
		return nil
	})
	stopped := make(chan struct{})
	go func() { e.stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(35 * time.Second): // past setup's own 30s bound
		t.Fatal("Run did not return within 35s of the stop while input kept coming")
	}
}
