package main

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestBreachPendingAcrossKill places orders with second-scale SLAs, kills
// the binary with SIGKILL before their deadlines, restarts it, kills it
// again as the first breaches arrive, and restarts it once more: every
// order gets its processing and delivery breach exactly once, never before
// the deadline, with the deadline its placement implies.
func TestBreachPendingAcrossKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const n = 40
	sla := []string{"--sla.processing", "4s", "--sla.shipping", "4s", "--sla.delivery", "6s"}
	r := newCrashRig(t)
	r.start(sla...)
	r.connect()
	placed := time.Now().UTC().Truncate(time.Millisecond)
	if err := r.placeOrders("SLAKILL", n, placed, ""); err != nil {
		t.Fatal(err)
	}
	r.waitOutputs(n, pipelinetest.WaitTimeout(), func(u order.Update) bool { return u.Type == order.UpdateConfirmed })
	r.signal(syscall.SIGKILL) // timers pending, none due yet

	r.start(sla...)
	r.waitOutputs(1, 20*time.Second, isBreach)
	r.signal(syscall.SIGKILL) // in the middle of the breaches

	r.start(sla...)
	r.waitOutputs(2*n, 30*time.Second, isBreach)
	r.waitIdle(20 * time.Second)
	seen := map[string]int{}
	for _, o := range r.outputs() {
		if !isBreach(o.Update) {
			continue
		}
		seen[o.OrderID+"/"+string(o.SLA)]++
		d := map[order.SLA]time.Duration{order.SLAProcessing: 4 * time.Second, order.SLADelivery: 6 * time.Second}[o.SLA]
		if o.Deadline == nil || !o.Deadline.Equal(placed.Add(d)) {
			t.Errorf("%s %s: deadline %v, want %v", o.OrderID, o.SLA, o.Deadline, placed.Add(d))
		}
		if o.EmittedAt.Before(placed.Add(d)) {
			t.Errorf("%s %s: emitted %v, before its deadline", o.OrderID, o.SLA, o.EmittedAt)
		}
	}
	for i := range n {
		for _, s := range []order.SLA{order.SLAProcessing, order.SLADelivery} {
			if k := fmt.Sprintf("SLAKILL-%04d/%s", i, s); seen[k] != 1 {
				t.Errorf("%s: %d breaches, want 1", k, seen[k])
			}
		}
	}
	r.signal(syscall.SIGTERM)
}

func isBreach(u order.Update) bool { return u.Type == order.UpdateBreach }

// waitOutputs polls ORDER_UPDATES until at least n outputs match.
func (r *crashRig) waitOutputs(n int, within time.Duration, match func(order.Update) bool) {
	r.t.Helper()
	pipelinetest.WaitFor(r.t, within, func() error {
		got := 0
		for _, o := range r.outputs() {
			if match(o.Update) {
				got++
			}
		}
		if got < n {
			return fmt.Errorf("%d matching outputs, want %d", got, n)
		}
		return nil
	})
}
