package main

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestKillWhileSlotIsChecked places thousands of orders due at one instant,
// so that their checks sit in a few slot schedules, and kills the binary
// with SIGKILL once a tenth of their breaches are stored: some orders of a fired slot are checked and committed,
// others not, and the slot is not acked. After a restart the slot is
// redelivered and checked again: every order has exactly one processing
// breach, with its exact deadline, never early, and no Msg-Id twice.
func TestKillWhileSlotIsChecked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const n = 4000
	sla := []string{"--sla.processing", "5s", "--sla.shipping", "1h", "--sla.delivery", "1h"}
	r := newCrashRig(t)
	r.start(sla...)
	r.connect()
	placed := time.Now().UTC().Truncate(time.Millisecond).Add(456 * time.Microsecond)
	if err := r.placeOrders("SLAKILL", n, placed, ""); err != nil {
		t.Fatal(err)
	}
	r.waitIdle(20 * time.Second)
	got := r.waitBreachCount(n/10, 20*time.Second)
	r.signal(syscall.SIGKILL)

	r.start(sla...)
	// The fired slots wait for ack_wait (2s) before they are redelivered:
	// what is stored now is what the killed run stored.
	atKill := r.breachCount()
	t.Logf("killed with %d of %d breaches stored (%d seen just before)", atKill, n, got)
	if atKill >= n {
		t.Errorf("all %d breaches were stored before the kill: it did not land while the slots were checked", n)
	}
	r.waitBreachCount(n, 30*time.Second)
	r.waitIdle(20 * time.Second)
	seen, ids := map[string]int{}, map[string]int{}
	deadline := placed.Add(5 * time.Second)
	for _, o := range r.outputs() {
		if o.Type != order.UpdateBreach {
			continue
		}
		seen[o.OrderID]++
		ids[o.MsgID]++
		if o.SLA != order.SLAProcessing || o.Deadline == nil || !o.Deadline.Equal(deadline) || o.EmittedAt.Before(deadline) {
			t.Errorf("%s: breach of %s, deadline %v, emitted %v; want processing, deadline %v, not before", o.OrderID, o.SLA, o.Deadline, o.EmittedAt, deadline)
		}
	}
	for i := range n {
		if id := fmt.Sprintf("SLAKILL-%04d", i); seen[id] != 1 {
			t.Errorf("%s: %d breaches, want 1", id, seen[id])
		}
	}
	for id, k := range ids {
		if k != 1 {
			t.Errorf("Msg-Id %s stored %d times", id, k)
		}
	}
	r.signal(syscall.SIGTERM)
}

// placeOrders publishes n ORDER_PLACED events (<prefix>-0000, ...) placed
// at placed, with extra members (`,"tenant_id":"acme"`), each with a Msg-Id.
func (r *crashRig) placeOrders(prefix string, n int, placed time.Time, extra string) error {
	msgs := make([]*nats.Msg, n)
	for i := range n {
		id := fmt.Sprintf("%s-%04d", prefix, i)
		msgs[i] = nats.NewMsg(testTopo.EventSubject(id))
		msgs[i].Data = fmt.Appendf(nil, `{"event_id":"%s-p","order_id":%q,"event_type":"ORDER_PLACED","timestamp":%q,"item_name":"Socks"%s}`,
			id, id, placed.Format(time.RFC3339Nano), extra)
		msgs[i].Header.Set(jetstream.MsgIDHeader, id+"-p")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return pipelinetest.PublishAll(ctx, r.js, msgs)
}

// breachCount counts the breaches stored in ORDER_UPDATES.
func (r *crashRig) breachCount() int {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := r.js.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(testTopo.AlertsWildcard()))
	if err != nil {
		r.t.Fatal(err)
	}
	return len(info.State.Subjects)
}

// waitBreachCount polls until at least n breaches are stored and returns
// how many there were. It polls every 2 ms: the kill tests stop the run as
// soon as a tenth are stored, while the slots are being checked.
func (r *crashRig) waitBreachCount(n int, within time.Duration) int {
	r.t.Helper()
	var got int
	err := pipelinetest.Poll(within, 2*time.Millisecond, func() error {
		if got = r.breachCount(); got < n {
			return fmt.Errorf("%d of at least %d breaches stored", got, n)
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return got
}
