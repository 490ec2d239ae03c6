package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestReadyzWhileHTTPSourceCannotStore: while NATS is connected but cannot
// store (ORDER_EVENTS full, refusing new messages) the HTTP source answers
// 503 to every request and, once that has lasted longer than
// streaming.ack_wait, /readyz fails naming the HTTP source; once the stream stores again /readyz passes
// by itself (no request needed) and a request is stored. (NATS stopped is
// reported by /readyz's connection check already.)
func TestReadyzWhileHTTPSourceCannotStore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real run command")
	}
	t.Parallel()
	s := startMain(t, append(runArgs(t.TempDir()), "--generator.enabled", "false", "--output.console", "false",
		"--streaming.ack_wait", "1s", "--monitor.listen", "127.0.0.1:0", "--ingest.http.listen", "127.0.0.1:0")...)
	t.Cleanup(func() { s.stop(t) })
	readyz := "http://" + monitorAddr(t, s.errs) + "/readyz"
	events := "http://" + s.info.IngestAddr + "/v1/events"
	event := func(n int) string {
		return fmt.Sprintf(`{"order_id":"ORD-READY-%d","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}`, n)
	}
	ready := func(wantCode int, wantBody string) func() error {
		return func() error {
			code, body := pipelinetest.Get(t, readyz)
			if code != wantCode || !strings.Contains(body, wantBody) {
				return fmt.Errorf("/readyz %d %q, want %d with %q", code, body, wantCode, wantBody)
			}
			return nil
		}
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), ready(http.StatusOK, ""))

	nc, err := nats.Connect(s.info.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if code, answer := postTo(t, events, "application/json", event(0)); code != http.StatusOK {
		t.Fatalf("POST: %d %s", code, answer)
	}
	str, err := js.Stream(ctx, contract.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	open := str.CachedInfo().Config
	full := open
	full.MaxMsgs, full.Discard = int64(str.CachedInfo().State.Msgs), jetstream.DiscardNew
	if _, err := js.UpdateStream(ctx, full); err != nil {
		t.Fatal(err)
	}
	if code, answer := postTo(t, events, "application/json", event(1)); code != http.StatusServiceUnavailable {
		t.Fatalf("POST while ORDER_EVENTS is full: %d %s, want 503", code, answer)
	}
	// Requests keep coming (a shop retries) and keep failing.
	notReady := ready(http.StatusServiceUnavailable, "http source paused (answering 503)")
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if code, answer := postTo(t, events, "application/json", event(1)); code != http.StatusServiceUnavailable {
			t.Fatalf("POST while ORDER_EVENTS is full: %d %s, want 503", code, answer)
		}
		return notReady()
	})

	if _, err := js.UpdateStream(ctx, open); err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), ready(http.StatusOK, ""))
	if code, answer := postTo(t, events, "application/json", event(2)); code != http.StatusOK || answer != `{"stored":1,"dead_lettered":0,"errors":[]}` {
		t.Errorf("POST once ORDER_EVENTS stores again: %d %s", code, answer)
	}
}
