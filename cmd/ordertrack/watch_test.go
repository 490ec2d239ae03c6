package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// watching is a watch command running in the background.
type watching struct {
	out, errs *pipelinetest.Buffer
	cancel    context.CancelFunc
	code      chan int
}

func startWatch(t *testing.T, tr *tracked, args ...string) *watching {
	t.Helper()
	w := &watching{out: &pipelinetest.Buffer{}, errs: &pipelinetest.Buffer{}, code: make(chan int, 1)}
	m := &Main{Stdin: strings.NewReader(""), Stdout: w.out, Stderr: w.errs}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	t.Cleanup(cancel)
	go func() { w.code <- m.Run(ctx, append(append([]string{"watch"}, args...), tr.client...)) }()
	waitOutput(t, w.errs, pipelinetest.WaitTimeout(), "Watching ")
	return w
}

func (w *watching) stop(t *testing.T) {
	t.Helper()
	w.cancel()
	select {
	case code := <-w.code:
		if code != 0 {
			t.Errorf("watch exit %d after interrupt: %s", code, w.errs.String())
		}
	case <-time.After(pipelinetest.WaitTimeout()):
		t.Fatalf("watch did not stop within %v", pipelinetest.WaitTimeout())
	}
}

func TestWatchFollowsUpdatesAndAlerts(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	all := startWatch(t, tr)
	alerts := startWatch(t, tr, "--alerts", "--json")
	one := startWatch(t, tr, "--order", "D", "--json")
	tr.sendKnown(t)

	waitOutput(t, all.out, pipelinetest.WaitTimeout(), "emitted_at", "| A ", "ITEM_DELIVERED", "| C ", "SLA_BREACH", "EVENT_REJECTED")
	waitOutput(t, alerts.out, pipelinetest.WaitTimeout(), `"event_type":"SLA_BREACH"`)
	waitOutput(t, one.out, pipelinetest.WaitTimeout(), `"event_type":"PROCESSING_STARTED"`)
	all.stop(t)
	alerts.stop(t)
	one.stop(t)

	lines := strings.Split(strings.TrimSpace(alerts.out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("--alerts printed %d lines, want the one breach:\n%s", len(lines), alerts.out.String())
	}
	var u order.Update
	if err := json.Unmarshal([]byte(lines[0]), &u); err != nil || u.OrderID != "C" || u.SLA != order.SLAProcessing {
		t.Errorf("--alerts line %q (%v), want C's processing breach", lines[0], err)
	}
	for _, l := range strings.Split(strings.TrimSpace(one.out.String()), "\n") {
		if !strings.Contains(l, `"order_id":"D"`) {
			t.Errorf("--order D printed another order: %s", l)
		}
	}
	if n := strings.Count(all.out.String(), "\n"); n != 12 {
		t.Errorf("watch printed %d lines, want a header and 11 updates:\n%s", n, all.out.String())
	}
}
