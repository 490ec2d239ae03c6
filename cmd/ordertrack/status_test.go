package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestStatusShowsWhatEventsImply checks the text and JSON of status after
// the known events (see sendKnown).
func TestStatusShowsWhatEventsImply(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	tr.sendKnown(t)
	var r monitor.Status
	var out string
	// Cancelled timers leave a tombstone for a second: poll until settled.
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		code, o, errs := tr.cmd(t, "status", "--json", "--interval", "100ms")
		if code != 0 {
			t.Fatalf("status --json: exit %d: %s", code, errs)
		}
		out = o
		r = monitor.Status{}
		if err := json.Unmarshal([]byte(o), &r); err != nil {
			t.Fatalf("status --json: %v\n%s", err, o)
		}
		if r.Timers["processing"] != 0 || r.Timers["shipping"] != 1 || r.Timers["delivery"] != 2 || r.Processed != 12 {
			return fmt.Errorf("status not settled: timers %v (want processing 0, shipping 1, delivery 2), processed %d (want 12)", r.Timers, r.Processed)
		}
		return nil
	})
	want := map[string]uint64{"ORDER": 1, "PROCESSING": 1, "DELIVERED": 1, "CANCELLED": 1}
	for st, n := range want {
		if r.Orders[st] != n {
			t.Errorf("orders %s = %d, want %d (%v)", st, r.Orders[st], n, r.Orders)
		}
	}
	checks := []struct {
		what      string
		got, want uint64
	}{
		{"events stored", r.Stored, 12},
		{"breaches processing", r.Breaches["processing"], 1},
		{"breaches shipping", r.Breaches["shipping"], 0},
		{"dead letters invalid_json", r.DeadLetters["invalid_json"], 1},
		{"dead letters unknown_event_type", r.DeadLetters["unknown_event_type"], 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d\n%s", c.what, c.got, c.want, out)
		}
	}
	if len(r.Partitions) != 4 {
		t.Fatalf("%d partitions, want 4", len(r.Partitions))
	}
	if len(r.Instances) != 1 {
		t.Fatalf("instances %+v, want the one running", r.Instances)
	}
	in := r.Instances[0]
	if in.Name == "" || fmt.Sprint(in.Partitions) != "[0 1 2 3]" || in.Version == "" || in.ConfigHash == "" ||
		in.Since.IsZero() || in.ConfigLoadedAt.IsZero() {
		t.Errorf("instance %+v: want a name, partitions [0 1 2 3], version, config hash and times", in)
	}
	for _, p := range r.Partitions {
		if p.Pending != 0 || p.AckPending != 0 || !p.Consuming {
			t.Errorf("partition %+v: want nothing pending and a consuming instance", p)
		}
		if p.Owner != in.Name {
			t.Errorf("partition %d: owner %q, want the instance's name %q", p.Partition, p.Owner, in.Name)
		}
	}

	code, text, errs := tr.cmd(t, "status", "--interval", "100ms")
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"Input:      12 events stored, 12 processed", "Rates:      input",
		"Open orders:     ORDER 1, PROCESSING 1, SHIPPED 0   (closed: DELIVERED 1, CANCELLED 1)",
		"SLA timers:      processing 0, shipping 1, delivery 2",
		"SLA breaches:    processing 1, shipping 0, delivery 0",
		"Dead letters:    invalid_json 1, unknown_event_type 1",
		"partition   pending ack_pending redelivered",
		"Instances:  1\n  " + in.Name + " ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("status lacks %q:\n%s", want, text)
		}
	}
}

// TestStatusWatchRefreshes checks that --watch redraws in place until
// interrupted, then exits 0.
func TestStatusWatchRefreshes(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	out := &pipelinetest.Buffer{}
	m := &Main{Stdin: strings.NewReader(""), Stdout: out, Stderr: out}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- m.Run(ctx, append([]string{"status", "--watch", "--interval", "100ms", "--orders=false"}, tr.client...))
	}()
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if n := strings.Count(out.String(), "\033[H\033[2J"); n < 2 {
			return fmt.Errorf("%d refreshes, want 2", n)
		}
		return nil
	})
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("status --watch exit %d after interrupt:\n%s", code, out.String())
	}
	if strings.Contains(out.String(), "Open orders") {
		t.Error("--orders=false still scanned the bucket")
	}
}

// TestConcurrentStatus runs several status commands at once, with dlq list
// and get beside them: every one succeeds, none fails with "filtered
// consumer not unique on workqueue stream".
func TestConcurrentStatus(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	tr.sendKnown(t)
	cmds := [][]string{{"dlq", "list"}, {"get", "A"}}
	for range 6 {
		cmds = append(cmds, []string{"status", "--interval", "100ms"})
	}
	var wg sync.WaitGroup
	for _, args := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, out, errs := tr.cmd(t, args...); code != 0 {
				t.Errorf("%v (one of %d at once): exit %d: %s%s", args, len(cmds), code, errs, out)
			}
		}()
	}
	wg.Wait()
}

// TestStatusRatesOverTenSeconds: by default status averages its rates over
// 10 s and says so: rates between samples a second apart swung between 8.9
// and 14.7 events/s while 20/s were sent.
func TestStatusRatesOverTenSeconds(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	code, out, errs := tr.cmd(t, "status", "--json")
	var r monitor.Status
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
		t.Fatalf("status --json: exit %d: %s%s", code, out, errs)
	}
	if r.Interval < 10 || r.Interval >= 11 || !strings.Contains(errs, "Sampling for 10s to average the rates (--interval)") {
		t.Errorf("status --json: rates over %.3fs, want 10 s (and a word on stderr); stderr %q", r.Interval, errs)
	}
}
