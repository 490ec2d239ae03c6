package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

func TestGetShowsStateDeadlinesAndHistory(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	tr.sendKnown(t)

	code, out, errs := tr.cmd(t, "get", "C", "--history")
	if code != 0 {
		t.Fatalf("get C: exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"Order C", "status:    ORDER", "customer:  CUST-1", "item:      Blue Jeans, qty 2",
		"PROCESSING  -", "breached", "breaches:  processing", "History (2 updates):",
		"ORDER_CONFIRMED", "SLA BREACH: Order C not processed within 1s - Item: Blue Jeans",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("get C --history lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "ORDER_CONFIRMED") > strings.Index(out, "SLA_BREACH") {
		t.Errorf("history out of order:\n%s", out)
	}

	code, out, errs = tr.cmd(t, "get", "--json", "--history", "D")
	if code != 0 {
		t.Fatalf("get D --json: exit %d: %s", code, errs)
	}
	var v struct {
		Order order.State `json:"order"`
		SLAs  map[string]struct {
			Deadline *time.Time `json:"deadline"`
			State    string     `json:"state"`
		} `json:"slas"`
		History []order.Update `json:"history"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("get --json: %v\n%s", err, out)
	}
	if v.Order.Status != order.StageProcessing || v.Order.PlacedAt == nil || v.Order.ProcessingAt == nil {
		t.Errorf("state %+v, want PROCESSING with placed and processing times", v.Order)
	}
	ship := v.SLAs["shipping"]
	if ship.State != "pending" || ship.Deadline == nil || !ship.Deadline.Equal(v.Order.ProcessingAt.Add(time.Hour)) {
		t.Errorf("shipping SLA %+v, want pending with deadline processing_at + 1h", ship)
	}
	if p := v.SLAs["processing"]; p.State != "met" {
		t.Errorf("processing SLA %+v, want met", p)
	}
	if len(v.History) != 2 || v.History[0].Type != order.UpdateConfirmed || v.History[1].Type != order.UpdateProcessing {
		t.Errorf("history %+v, want ORDER_CONFIRMED then PROCESSING_STARTED", v.History)
	}
}

func TestGetUnknownOrderFails(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	code, out, errs := tr.cmd(t, "get", "NO-SUCH-ORDER")
	if code == 0 || !strings.Contains(errs, "order NO-SUCH-ORDER not found") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, _ := tr.cmd(t, "get"); code != 2 {
		t.Errorf("get without an order id: exit %d, want 2", code)
	}
}
