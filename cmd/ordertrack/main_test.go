package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// testTopo is the default configuration's Topology: tests publish and
// filter with its subjects, and assert the names SPEC gives them.
var testTopo = contract.TopologyOf(config.Default())

// started is a Main running in the background.
type started struct {
	m      *Main
	out    *pipelinetest.Buffer
	errs   *pipelinetest.Buffer
	info   RunInfo
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	code   int           // Run's exit status, once done
}

func startMain(t *testing.T, args ...string) *started {
	t.Helper()
	s := &started{out: &pipelinetest.Buffer{}, errs: &pipelinetest.Buffer{}, done: make(chan struct{})}
	ready := make(chan RunInfo, 1)
	s.m = &Main{Stdin: strings.NewReader(""), Stdout: s.out, Stderr: s.errs, Ready: func(i RunInfo) { ready <- i }}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { defer close(s.done); s.code = s.m.Run(ctx, args) }()
	// Stop it and wait, so that its server has released t.TempDir stores.
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			t.Error("ordertrack did not exit within 20s of the stop signal")
		}
	})
	select {
	case s.info = <-ready:
	case <-s.done:
		t.Fatalf("ordertrack exited with %d before it was ready: %s", s.code, s.errs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("ordertrack not ready within 30s")
	}
	return s
}

// stop sends the equivalent of Ctrl+C and returns the exit status.
func (s *started) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case <-s.done:
		return s.code
	case <-time.After(pipelinetest.WaitTimeout()):
		t.Fatalf("ordertrack did not exit within %v of the stop signal", pipelinetest.WaitTimeout())
		return -1
	}
}

// runCommand runs one command of Main to completion (at most 30 s) and
// returns its exit status, standard output and error output.
func runCommand(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := m.Run(ctx, args)
	return code, out.String(), errs.String()
}

func waitOutput(t *testing.T, b *pipelinetest.Buffer, within time.Duration, subs ...string) {
	t.Helper()
	pipelinetest.WaitFor(t, within, func() error {
		out := b.String()
		for _, s := range subs {
			if !strings.Contains(out, s) {
				return fmt.Errorf("output lacks %q:\n%s", s, tail(out, 3000))
			}
		}
		return nil
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func runArgs(store string) []string {
	return []string{"run",
		"--nats.embedded.listen", "127.0.0.1:0", "--nats.embedded.store_dir", store,
		"--generator.rate", "200", "--generator.demo_sla", "false",
		"--sla.processing", "2s", "--sla.shipping", "2s", "--sla.delivery", "4s",
		"--streaming.partitions", "4", "--monitor.listen", "",
	}
}

// TestRunDemoEndToEnd runs the real Main with the embedded server and demo
// data: the banner, batch tables with every kind of output, a clean exit on
// the stop signal, and a second run on the same store that continues.
func TestRunDemoEndToEnd(t *testing.T) {
	t.Parallel()
	store := t.TempDir()
	s := startMain(t, runArgs(store)...)
	waitOutput(t, s.out, pipelinetest.WaitTimeout(), "Starting Retail Order Tracking System", "Order Lifecycle: ORDER")
	waitOutput(t, s.out, 60*time.Second, "Batch: 1", "|order_id", "ORDER_CONFIRMED", "PROCESSING_STARTED",
		"ITEM_SHIPPED", "ITEM_DELIVERED", "ORDER_CANCELLED", "SLA_BREACH")
	first := countUpdates(t, s.info.NATSURL)
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit status %d after stop, stderr:\n%s", code, s.errs.String())
	}
	if !strings.Contains(s.out.String(), "Order tracking system stopped.") {
		t.Error("no stop message")
	}

	s2 := startMain(t, runArgs(store)...)
	waitOutput(t, s2.out, 30*time.Second, "Batch: 1")
	n, unique := countUpdatesUnique(t, s2.info.NATSURL)
	if n < first.total || n != unique {
		t.Errorf("second run: %d outputs (%d unique), first run had %d: outputs lost or duplicated", n, unique, first.total)
	}
	if code := s2.stop(t); code != 0 {
		t.Fatalf("second run exit status %d", code)
	}
}

type counts struct{ total int }

func countUpdates(t *testing.T, url string) counts {
	n, _ := countUpdatesUnique(t, url)
	return counts{total: n}
}

// countUpdatesUnique reads ORDER_UPDATES and counts messages and distinct Msg-Ids.
func countUpdatesUnique(t *testing.T, url string) (int, int) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, "ORDER_UPDATES", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := c.Info(ctx)
	total := int(info.NumPending)
	ids := map[string]bool{}
	got := 0
	for got < total {
		batch, err := c.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			ids[m.Headers().Get(jetstream.MsgIDHeader)] = true
			got++
		}
	}
	return got, len(ids)
}

func TestConfigErrorNamesKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  []string
		key  string
	}{
		{[]string{"run", "--sla.processing", "soon"}, nil, "sla.processing"},
		{[]string{"run"}, []string{"ORDERTRACK_STREAMING__PARTITIONS=zero"}, "streaming.partitions"},
		{[]string{"publish", "--sla.clock", "wall"}, nil, "sla.clock"},
	} {
		var out, errs bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs, Environ: tc.env}
		if code := m.Run(context.Background(), tc.args); code == 0 {
			t.Errorf("%v: exit 0, want failure", tc.args)
		}
		if !strings.Contains(errs.String(), tc.key) {
			t.Errorf("%v: stderr %q does not name %s", tc.args, errs.String(), tc.key)
		}
	}
}

func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"publish", "--help"}} {
		code, out, errs := runCommand(t, args...)
		if code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !strings.Contains(out+errs, "Usage: ordertrack") {
			t.Errorf("%v: no usage text", args)
		}
	}
}
