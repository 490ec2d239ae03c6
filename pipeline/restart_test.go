package pipeline_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

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
				msgs = append(msgs, pipelinetest.LifecycleEvent(testTopo.EventSubject, "RST", i, step, ts))
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
		id, types, final := pipelinetest.Lifecycle("RST", i)
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
	t.Parallel()
	cfg := testConfig()
	cfg.Streaming.AckWait = 2 * time.Second
	// The pipeline's and the producer's connections outlive the restarts.
	e := setup(t, cfg, pipelinetest.Reconnecting())
	e.start(pipeline.Options{})
	_, pjs := pipelinetest.Connect(t, e.srv.URL(), pipelinetest.ReconnectForever())

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
	var produced error
	finished, ended := false, done
	for i := 0; i < len(restartAt); {
		select {
		case sent := <-restarts:
			e.srv.Restart()
			restarted.Add(1)
			i++
			t.Logf("server restarted after %d events published (%v)", sent, time.Since(start).Round(time.Millisecond))
		case produced = <-ended:
			// The producer may end right after its last signal: the signals
			// it sent are buffered, take them before judging.
			finished, ended = true, nil
			if len(restarts) < len(restartAt)-i {
				t.Fatalf("producer ended before the restarts: %v", produced)
			}
		}
	}
	if !finished {
		produced = <-done
	}
	if produced != nil {
		t.Fatal(produced)
	}
	t.Logf("all events published after %v", time.Since(start).Round(time.Millisecond))
	pipelinetest.WaitFor(t, 30*time.Second, e.idle)
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
			dl[0].Header.Get(contract.HeaderSourceSubject), dl[0].Header.Get(contract.HeaderError))
	}
}

// allOutputs is e.outputs read with one consumer instead of a request per
// message.
func (e *env) allOutputs() []output {
	e.t.Helper()
	var out []output
	for _, m := range pipelinetest.ReadStream(e.t, e.js, contract.UpdatesStream, jetstream.OrderedConsumerConfig{}) {
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
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy, FilterSubjects: []string{testTopo.KVWildcard(contract.OrdersBucket)}}
	for _, m := range pipelinetest.ReadStream(e.t, e.js, testTopo.KVStream(contract.OrdersBucket), cfg) {
		if m.Headers().Get("KV-Operation") != "" {
			continue
		}
		s, err := contract.DecodeState(m.Data())
		if err != nil {
			e.t.Fatalf("KV %s: %v", m.Subject(), err)
		}
		out[strings.TrimPrefix(m.Subject(), testTopo.KVSubject(contract.OrdersBucket, ""))] = s
	}
	return out
}
