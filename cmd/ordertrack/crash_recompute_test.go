package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestKillDuringRecompute places open acme orders under processing 1h,
// edits the config file (sla.recompute: open) to give acme a 5s rule, so
// that the recompute breaches every order at once, and kills the binary
// with SIGKILL while it is doing so. After a restart on the new file every
// open order is on the new rule and has exactly one breach, with the new
// deadline, and no Msg-Id is stored twice.
func TestKillDuringRecompute(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	const n = 3000
	file := filepath.Join(t.TempDir(), "config.yaml")
	writeConfig := func(rules string) {
		body := "sla:\n  processing: \"1h\"\n  shipping: \"2h\"\n  delivery: \"3h\"\n  recompute: \"open\"\n" + rules
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil { // as editors save
			t.Fatal(err)
		}
	}
	writeConfig("")
	r := newCrashRig(t)
	r.start("--config", file)
	r.connect()
	placed := time.Now().UTC().Add(-10 * time.Second).Truncate(time.Millisecond)
	if err := r.placeOrders("RCKILL", n, placed, `,"tenant_id":"acme"`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.waitIdle(20 * time.Second)
	if got := r.breachCount(); got != 0 {
		t.Fatalf("%d breaches before the change", got)
	}

	writeConfig("  rules:\n    - name: \"acme-fast\"\n      match: {tenant_id: \"acme\"}\n      processing: \"5s\"\n")
	seen := r.waitBreachCount(n/10, 20*time.Second)
	r.signal(syscall.SIGKILL) // the embedded server goes with it

	r.start("--config", file)
	// The recompute resumes a second after the start (its poll): what is
	// stored now is what the killed run stored.
	atKill := r.breachCount()
	t.Logf("killed with %d of %d breaches stored (%d seen just before)", atKill, n, seen)
	if atKill >= n {
		t.Errorf("all %d breaches were stored before the kill: it did not land during the recompute", n)
	}
	r.waitBreachCount(n, 30*time.Second)
	r.waitIdle(20 * time.Second)
	perOrder, ids := map[string]int{}, map[string]int{}
	deadline := placed.Add(5 * time.Second)
	for _, o := range r.outputs() {
		if o.Type != order.UpdateBreach {
			continue
		}
		perOrder[o.OrderID]++
		ids[o.MsgID]++
		if o.SLA != order.SLAProcessing || o.Deadline == nil || !o.Deadline.Equal(deadline) || o.Rule != "acme-fast" {
			t.Errorf("%s: breach of %s, deadline %v, rule %q; want processing, %v, acme-fast", o.OrderID, o.SLA, o.Deadline, o.Rule, deadline)
		}
	}
	kv, err := r.js.KeyValue(ctx, contract.OrdersBucket)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("RCKILL-%04d", i)
		if perOrder[id] != 1 {
			t.Errorf("%s: %d breaches, want 1", id, perOrder[id])
		}
		e, err := kv.Get(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if s, err := contract.DecodeState(e.Value()); err != nil || s.SLARule != "acme-fast" {
			t.Errorf("%s: rule %q after the recompute (%v), want acme-fast", id, s.SLARule, err)
		}
	}
	for id, k := range ids {
		if k != 1 {
			t.Errorf("Msg-Id %s stored %d times", id, k)
		}
	}
	r.signal(syscall.SIGTERM)
}
