package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// inFlight is what a partition's events consumer had delivered and not
// acknowledged when its instance was killed: the stream sequences after
// the ack floor up to the last delivered.
type inFlight struct {
	partition        int
	floor, delivered uint64
	ackPending       int
}

// pending sums the events delivered and not acknowledged.
func pending(fs []inFlight) int {
	n := 0
	for _, f := range fs {
		n += f.ackPending
	}
	return n
}

// TestKillBusiestOfTwoInstances runs two instances of the real binary on
// one external server (default pinned_ttl 5s and ack_wait 30s), freezes
// the one with more events delivered and not acknowledged and kills it -9
// (with events in flight: the time is counted from the freeze) while 2,000
// orders (8,000 events) are published, and checks that the survivor
// processes what the killed one had in flight within pinned_ttl + 5s (not
// after ack_wait), in stream order: nothing lost or doubled, and every
// order's updates stored in lifecycle order.
func TestKillBusiestOfTwoInstances(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary twice under load")
	}
	const pinnedTTL, bound = 5 * time.Second, 5*time.Second + 5*time.Second
	srv := pipelinetest.RunServer(t, t.TempDir(), -1)
	addr := strings.TrimPrefix(srv.ClientURL(), "nats://")
	rigs := map[string]*crashRig{}
	for _, name := range []string{"fail-a", "fail-b"} {
		r := newCrashRig(t)
		r.addr = addr
		r.start("--nats.url", srv.ClientURL(), "--instance.name", name, "--streaming.partitions", "8",
			"--streaming.ack_wait", "30s", "--streaming.pinned_ttl", pinnedTTL.String())
		rigs[name] = r
	}
	r := rigs["fail-a"]
	r.connect()
	r.topo.Partitions = 8
	owned := waitOwned(t, r, 2)

	const orders = 2000
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	produced := make(chan error, 1)
	go func() { produced <- r.produce(ctx, "FAIL", orders, 20*time.Millisecond) }()
	// Freeze the busiest instance (SIGSTOP), read what it has in flight,
	// and kill it if that is something; else let it go on and try again.
	var victim string
	var flights []inFlight
	var killed time.Time
	pipelinetest.WaitFor(t, 20*time.Second, func() error {
		if n := storedEvents(r); n < 2000 {
			return fmt.Errorf("%d events stored, want 2000 before the kill", n)
		}
		victim, _ = busiest(t, r, owned)
		p := rigs[victim].proc.cmd.Process
		if err := p.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		killed = time.Now()
		flights = unacked(t, r, owned[victim])
		if pending(flights) == 0 {
			_ = p.Signal(syscall.SIGCONT)
			return fmt.Errorf("nothing in flight on %s", victim)
		}
		return nil
	})
	rigs[victim].signal(syscall.SIGKILL)
	t.Logf("killed %s (partitions %v, %d events delivered and not acked) with %d events stored",
		victim, owned[victim], pending(flights), storedEvents(r))
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	r.waitIdle(60 * time.Second)
	idle := time.Since(killed)
	last, n := lastInFlightUpdate(t, r, flights)
	took := last.Sub(killed)
	t.Logf("%d events in flight on the killed instance; the last one's update stored %v after the kill (bound %v); every event acked %v after the kill",
		n, took.Round(time.Millisecond), bound, idle.Round(time.Millisecond))
	// An event processed but not acked at the kill has its update already;
	// its ack must not wait for ack_wait either.
	if idle > bound+5*time.Second {
		t.Errorf("consumers idle %v after the kill, want within %v: events waited for ack_wait (30s)", idle.Round(time.Millisecond), bound+5*time.Second)
	}
	if n == 0 {
		t.Errorf("the killed instance had no event in flight: the test measured nothing")
	}
	if took > bound {
		t.Errorf("the last in-flight event's update came %v after the kill, want within pinned_ttl + 5s = %v",
			took.Round(time.Millisecond), bound)
	}
	r.checkExactlyOnce(map[string]int{"FAIL": orders})
}

// waitOwned waits until n instances share the partitions and returns who
// owns which.
func waitOwned(t *testing.T, r *crashRig, n int) map[string][]int {
	t.Helper()
	owned := map[string][]int{}
	pipelinetest.WaitFor(t, 20*time.Second, func() error {
		ins, err := ownership.ReadInstances(context.Background(), r.js, r.topo.Prefix)
		if err != nil {
			return err
		}
		clear(owned)
		total := 0
		for _, in := range ins {
			owned[in.Name] = in.Partitions
			total += len(in.Partitions)
		}
		if len(ins) != n || total != r.topo.Partitions {
			return fmt.Errorf("instances own %v, want %d instances sharing %d partitions", owned, n, r.topo.Partitions)
		}
		for _, ps := range owned {
			if len(ps) != r.topo.Partitions/n {
				return fmt.Errorf("instances own %v, want an even split", owned)
			}
		}
		return nil
	})
	return owned
}

// storedEvents is how many events ORDER_EVENTS holds.
func storedEvents(r *crashRig) uint64 {
	s, err := r.js.Stream(context.Background(), contract.EventsStream)
	if err != nil {
		return 0
	}
	return s.CachedInfo().State.Msgs
}

// busiest returns the instance whose partitions have the most events
// delivered and not acknowledged, and how many.
func busiest(t *testing.T, r *crashRig, owned map[string][]int) (string, int) {
	t.Helper()
	best, most := "", -1
	for name, parts := range owned {
		n := 0
		for _, p := range parts {
			n += consumerInfo(t, r, p).NumAckPending
		}
		if n > most {
			best, most = name, n
		}
	}
	return best, most
}

func consumerInfo(t *testing.T, r *crashRig, part int) *jetstream.ConsumerInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := r.js.Consumer(ctx, contract.EventsStream, r.topo.EventsConsumer(part))
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// unacked reads, for each partition, its consumer's ack floor and last
// delivered sequence.
func unacked(t *testing.T, r *crashRig, parts []int) []inFlight {
	t.Helper()
	var out []inFlight
	for _, p := range parts {
		info := consumerInfo(t, r, p)
		out = append(out, inFlight{partition: p, floor: info.AckFloor.Stream, delivered: info.Delivered.Stream, ackPending: info.NumAckPending})
	}
	return out
}

// lastInFlightUpdate returns when the last update of an event in flight
// (per flights) was stored in ORDER_UPDATES, and how many events were in
// flight.
func lastInFlightUpdate(t *testing.T, r *crashRig, flights []inFlight) (time.Time, int) {
	t.Helper()
	return lastUpdate(t, r, func(seq uint64, orderID string, _ time.Time) bool {
		part := r.topo.Partition(orderID)
		for _, f := range flights {
			if f.partition == part && seq > f.floor && seq <= f.delivered {
				return true
			}
		}
		return false
	})
}

// lastUpdate returns when the last update of the events of ORDER_EVENTS
// that pick chooses (by stream sequence, order id and stored time) was
// stored in ORDER_UPDATES, and how many events it chose.
func lastUpdate(t *testing.T, r *crashRig, pick func(seq uint64, orderID string, stored time.Time) bool) (time.Time, int) {
	t.Helper()
	stored := map[string]time.Time{} // order/update type -> stored at
	for _, m := range pipelinetest.ReadStream(t, r.js, contract.UpdatesStream, jetstream.OrderedConsumerConfig{}) {
		var u order.Update
		if err := json.Unmarshal(m.Data(), &u); err != nil {
			t.Fatal(err)
		}
		md, _ := m.Metadata()
		stored[u.OrderID+"/"+string(u.Type)] = md.Timestamp
	}
	var last time.Time
	n := 0
	for _, m := range pipelinetest.ReadStream(t, r.js, contract.EventsStream, jetstream.OrderedConsumerConfig{}) {
		md, _ := m.Metadata()
		id := contract.OrderFromSubject(m.Subject())
		if !pick(md.Sequence.Stream, id, md.Timestamp) {
			continue
		}
		var e struct {
			Type string `json:"event_type"`
		}
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			t.Fatal(err)
		}
		typ := e.Type
		if typ == "ORDER_PLACED" {
			typ = string(order.UpdateConfirmed)
		}
		at, ok := stored[id+"/"+typ]
		if !ok {
			t.Errorf("event %d (%s of %s) has no update", md.Sequence.Stream, e.Type, id)
			continue
		}
		n++
		if at.After(last) {
			last = at
		}
	}
	return last, n
}
