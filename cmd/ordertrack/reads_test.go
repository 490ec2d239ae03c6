package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestReadCommandsLeaveNoConsumers: get --history, dlq list, status,
// report, whatif and a watch that is stopped leave the account's consumer
// count where it was. A consumer left per read (5 minutes each) adds up to
// the account's max_consumers, and then the API, watch and new instances
// are refused.
func TestReadCommandsLeaveNoConsumers(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	tr.sendKnown(t)
	before := tr.settledConsumers(t)
	for range 5 {
		if code, out, errs := tr.cmd(t, "get", "C", "--history"); code != 0 || !strings.Contains(out, "SLA_BREACH") {
			t.Fatalf("get C --history: exit %d: %s %s", code, out, errs)
		}
	}
	if code, out, errs := tr.cmd(t, "dlq", "list"); code != 0 || !strings.Contains(out, "2 dead letters") {
		t.Fatalf("dlq list: exit %d: %s %s", code, out, errs)
	}
	next := filepath.Join(t.TempDir(), "new.yaml")
	if err := os.WriteFile(next, []byte("sla:\n  processing: 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"status", "--interval", "100ms"}, {"report"}, {"whatif", "--config", next}} {
		if code, out, errs := tr.cmd(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s %s", args, code, out, errs)
		}
	}
	w := startWatch(t, tr)
	w.stop(t)
	pipelinetest.WaitFor(t, 3*time.Second, func() error {
		if n := tr.consumers(t); n != before {
			return fmt.Errorf("the account has %d consumers after the reads, %d before", n, before)
		}
		return nil
	})
}

// consumers returns the account's consumer count.
func (tr *tracked) consumers(t *testing.T) int {
	t.Helper()
	info, err := tr.js.AccountInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.Consumers
}

// settledConsumers returns the account's consumer count once two reads
// 200 ms apart agree: the running monitor's status samples create a
// consumer for a few milliseconds every 2 s.
func (tr *tracked) settledConsumers(t *testing.T) int {
	t.Helper()
	last := -1
	err := pipelinetest.Poll(5*time.Second, 200*time.Millisecond, func() error {
		n := tr.consumers(t)
		if n != last {
			err := fmt.Errorf("consumers %d then %d", last, n)
			last = n
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}
