package monitor_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/httpserver"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// sseEvent is one event read from /api/events.
type sseEvent struct {
	id     string
	update order.Update
}

// follow opens /api/events (with lastID as Last-Event-ID unless empty)
// and returns the events as they come; the stream closes with the test.
func follow(t *testing.T, url, lastID string) <-chan sseEvent {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				ev.update = order.Update{}
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.update); err != nil {
					t.Errorf("event data does not decode: %v: %s", err, line)
				}
			case line == "" && ev.id != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

func seq(t *testing.T, id string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatalf("event id %q is not a stream sequence", id)
	}
	return n
}

func next(t *testing.T, ch <-chan sseEvent, within time.Duration) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("event stream closed")
		}
		return ev
	case <-time.After(within):
		t.Fatalf("no event within %s", within)
	}
	return sseEvent{}
}

// TestEventsStreamsBreachesOnceAndResumes follows /api/events while C is
// breached, then reconnects with Last-Event-ID and sees only what came
// after: D's breach.
func TestEventsStreamsBreachesOnceAndResumes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	live := follow(t, e.base+"/api/events", "")
	k := e.sendKnown(t)
	ev := next(t, live, pipelinetest.WaitTimeout())
	u := ev.update
	if u.OrderID != "C" || u.Type != order.UpdateBreach || u.SLA != order.SLAProcessing || u.Deadline == nil ||
		!u.Deadline.Equal(k.placedC.Add(time.Second)) || u.TenantID != "acme" {
		t.Fatalf("first event %+v, want the processing breach of C due %s", u, k.placedC.Add(time.Second))
	}

	resumed := follow(t, e.base+"/api/events", ev.id)
	placedD := time.Now().Truncate(time.Millisecond)
	e.publishFull(t, "D", "ORDER_PLACED", placedD, "globex")
	for name, ch := range map[string]<-chan sseEvent{"live": live, "resumed": resumed} {
		got := next(t, ch, pipelinetest.WaitTimeout())
		if got.update.OrderID != "D" || got.update.Type != order.UpdateBreach || !got.update.Deadline.Equal(placedD.Add(time.Second)) || seq(t, got.id) <= seq(t, ev.id) {
			t.Errorf("%s stream: next event %s %+v, want D's breach after id %s (C's breach exactly once)", name, got.id, got.update, ev.id)
		}
	}

	// A new subscriber without Last-Event-ID gets the kept alerts first, in
	// stream order.
	fresh := follow(t, e.base+"/api/events", "")
	if a, b := next(t, fresh, 5*time.Second), next(t, fresh, 5*time.Second); a.update.OrderID != "C" || b.update.OrderID != "D" {
		t.Errorf("replay %s then %s, want C then D", a.update.OrderID, b.update.OrderID)
	}
}

// TestEventsCarryWarningsAndRetractions stores an SLA_AT_RISK on the
// warnings subject and an SLA_BREACH_RETRACTED on the alert subject, as the
// pipeline does, and expects both in the stream, in order, unchanged; a
// lifecycle update is not part of the feed.
func TestEventsCarryWarningsAndRetractions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	live := follow(t, e.base+"/api/events", "")
	outputs := []struct{ subject, body string }{
		{testTopo.UpdateSubject("W"), `{"order_id":"W","event_type":"ORDER_CONFIRMED","status":"ORDER","message":"placed","sla_breach":false,"event_time":"2024-01-01T10:00:00Z","emitted_at":"2024-01-01T10:00:00Z"}`},
		{testTopo.WarningSubject(order.SLAProcessing, "W"), `{"order_id":"W","event_type":"SLA_AT_RISK","status":"ORDER","message":"SLA AT RISK: Order W has 6h left to be processed (75% of 24h used)","sla_breach":false,"sla":"processing","deadline":"2024-01-02T10:00:00Z","threshold":0.75,"remaining_seconds":21600,"event_time":"2024-01-01T16:00:00Z","emitted_at":"2024-01-01T16:00:00.5Z"}`},
		{testTopo.AlertSubject(order.SLAProcessing, "W"), `{"order_id":"W","event_type":"SLA_BREACH_RETRACTED","status":"PROCESSING","message":"retracted","sla_breach":false,"sla":"processing","deadline":"2024-01-02T10:00:00Z","event_time":"2024-01-02T09:00:00Z","emitted_at":"2024-01-02T10:05:00Z"}`},
	}
	for _, o := range outputs {
		if _, err := e.js.Publish(context.Background(), o.subject, []byte(o.body)); err != nil {
			t.Fatal(err)
		}
	}
	want := []struct {
		typ      order.UpdateType
		deadline time.Time
	}{
		{"SLA_AT_RISK", time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)},
		{"SLA_BREACH_RETRACTED", time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)},
	}
	for i, w := range want {
		got := next(t, live, pipelinetest.WaitTimeout())
		if got.update.OrderID != "W" || got.update.Type != w.typ || got.update.SLA != order.SLAProcessing || !got.update.Deadline.Equal(w.deadline) {
			t.Errorf("event %d: %+v, want %s of W's processing SLA due %s", i, got.update, w.typ, w.deadline)
		}
		if got.id != fmt.Sprint(i+2) {
			t.Errorf("event %d id %s, want stream sequence %d", i, got.id, i+2)
		}
	}
}

// openStream opens /api/events and returns the response (its body closes
// with the test, or earlier by the caller).
func openStream(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestEventStreamsCapped: with max_streams 3, the 4th client at once is
// answered 503 with Retry-After, and a slot frees when a client leaves.
func TestEventStreamsCapped(t *testing.T) {
	t.Parallel()
	e := setup(t, withMonitor(func(o *monitor.Options) { o.MaxStreams = 3 }))
	var open []*http.Response
	for i := range 3 {
		resp := openStream(t, e.base+"/api/events")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d, want 200", i+1, resp.StatusCode)
		}
		open = append(open, resp)
	}
	resp := openStream(t, e.base+"/api/events")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("4th stream: %d, want 503", resp.StatusCode) // the body of a stream would never end
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Retry-After") != "5" ||
		!strings.Contains(string(body), "at most 3 event streams at once (monitor.max_streams)") {
		t.Fatalf("4th stream: %d Retry-After %q %s, want 503 naming monitor.max_streams", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if code, _ := pipelinetest.Get(t, e.base+"/api/status"); code != http.StatusOK {
		t.Errorf("/api/status with every stream slot taken: %d, want 200 (the cap is on streams only)", code)
	}
	open[0].Body.Close() // a client leaves: its slot frees once the server sees it gone
	var again *http.Response
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		r, err := http.Get(e.base + "/api/events")
		if err != nil {
			return err
		}
		if r.StatusCode != http.StatusOK {
			r.Body.Close()
			return fmt.Errorf("a stream after one left: %d, want 200", r.StatusCode)
		}
		again = r
		return nil
	})
	t.Cleanup(func() { again.Body.Close() })
	if resp := openStream(t, e.base+"/api/events"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("with 3 streams open again, another: %d, want 503", resp.StatusCode)
	}
}

// TestEventStreamOutlivesReadAndWriteTimeouts: the server's read and write
// timeouts bound requests, not a stream: with both at 300ms a breach that
// comes a second later still arrives on a stream opened before it.
func TestEventStreamOutlivesReadAndWriteTimeouts(t *testing.T) {
	t.Parallel()
	e := setup(t, withMonitor(func(o *monitor.Options) {
		o.Limits = httpserver.Limits{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}
	}))
	live := follow(t, e.base+"/api/events", "")
	opened := time.Now()
	placed := time.Now().Truncate(time.Millisecond)
	e.publishFull(t, "S", "ORDER_PLACED", placed, "acme") // processing SLA 1s: breached a second later
	ev := next(t, live, pipelinetest.WaitTimeout())
	if ev.update.OrderID != "S" || ev.update.Type != order.UpdateBreach || !ev.update.Deadline.Equal(placed.Add(time.Second)) {
		t.Fatalf("event %+v, want S's processing breach due %s", ev.update, placed.Add(time.Second))
	}
	if took := time.Since(opened); took < 600*time.Millisecond {
		t.Fatalf("the breach came %s after the stream opened: too soon to show the timeouts do not end it", took)
	}
}
