package httpsource_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest/httpsource"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

const placed = `{"event_id":"e-1","order_id":"ORD-1","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z","tenant_id":"acme"}`

func httpID(line string) string {
	sum := sha256.Sum256([]byte(line))
	return "http:" + hex.EncodeToString(sum[:])
}

// TestSingleEvent: one event is answered once stored, with its own
// event_id as Nats-Msg-Id; an event without one gets http:<sha256>.
func TestSingleEvent(t *testing.T) {
	t.Parallel()
	k := setup(t, nil)
	code, answer := k.postEvents("application/json; charset=utf-8", placed+"\n")
	if want := `{"stored":1,"dead_lettered":0,"errors":[]}`; code != http.StatusOK || answer != want {
		t.Fatalf("answer %d %s, want 200 %s", code, answer, want)
	}
	noID := `{"order_id":"ORD-2","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}`
	if code, answer := k.postEvents("", noID); code != http.StatusOK || answer != `{"stored":1,"dead_lettered":0,"errors":[]}` {
		t.Fatalf("event without event_id: %d %s", code, answer)
	}
	msgs := k.read(contract.EventsStream)
	if len(msgs) != 2 {
		t.Fatalf("ORDER_EVENTS holds %d messages, want 2: %q", len(msgs), datas(msgs))
	}
	if string(msgs[0].Data()) != placed || msgs[0].Headers().Get(jetstream.MsgIDHeader) != "e-1" {
		t.Errorf("stored %s with id %q, want %s with id e-1", msgs[0].Data(), msgs[0].Headers().Get(jetstream.MsgIDHeader), placed)
	}
	id := httpID(noID)
	want := `{"event_id":"` + id + `","order_id":"ORD-2","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}`
	if string(msgs[1].Data()) != want || msgs[1].Headers().Get(jetstream.MsgIDHeader) != id {
		t.Errorf("stored %s with id %q, want %s with id %s", msgs[1].Data(), msgs[1].Headers().Get(jetstream.MsgIDHeader), want, id)
	}
	if n := k.records(httpsource.SourceHTTP, "stored"); n != 2 {
		t.Errorf("records stored = %v, want 2", n)
	}
}

// TestLinesWithBadOnes: JSON lines, the invalid ones dead-lettered with
// their bytes, reason, source and line number, and listed in the answer.
func TestLinesWithBadOnes(t *testing.T) {
	t.Parallel()
	k := setup(t, nil)
	lines := []string{
		placed,
		`{"order_id":`,
		``,
		`{"event_type":"ORDER_PLACED"}`,
		`{"event_id":"e-5","order_id":"ORD-1","event_type":"PROCESSING_STARTED","timestamp":"2024-01-01T10:05:00Z"}` + "\r",
		`{"order_id":"ORD-1","event_type":"ITEM_SHIPPED","timestamp":"tuesday"}`,
	}
	code, answer := k.postEvents(httpsource.TypeNDJSON, strings.Join(lines, "\n")+"\n")
	if code != http.StatusOK {
		t.Fatalf("answer %d %s", code, answer)
	}
	var b strings.Builder
	b.WriteString(`{"stored":2,"dead_lettered":3,"errors":[`)
	b.WriteString(`{"line":2,"reason":"invalid_json","error":"not valid JSON"},`)
	b.WriteString(`{"line":4,"reason":"missing_order_id","error":"order_id is required"},`)
	b.WriteString(`{"line":6,"reason":"invalid_timestamp","error":"timestamp \"tuesday\" is not RFC 3339"}]}`)
	if got := compactJSON(t, answer); got != b.String() {
		t.Errorf("answer\n got %s\nwant %s", got, b.String())
	}
	stored := datas(k.read(contract.EventsStream))
	if len(stored) != 2 || stored[0] != placed || stored[1] != strings.TrimSuffix(lines[4], "\r") {
		t.Errorf("ORDER_EVENTS holds %q, want lines 1 and 5", stored)
	}
	dlq := k.read(contract.DLQStream)
	if len(dlq) != 3 {
		t.Fatalf("ORDER_DLQ holds %d, want 3: %q", len(dlq), datas(dlq))
	}
	for i, want := range []struct{ line, reason, data string }{{"2", "invalid_json", lines[1]}, {"4", "missing_order_id", lines[3]}, {"6", "invalid_timestamp", lines[5]}} {
		h := dlq[i].Headers()
		if string(dlq[i].Data()) != want.data || h.Get(contract.HeaderReason) != want.reason || h.Get(contract.HeaderSource) != "http" ||
			h.Get(contract.HeaderHTTPLine) != want.line || h.Get(jetstream.MsgIDHeader) != httpID(want.data) || h.Get(contract.HeaderError) == "" {
			t.Errorf("dead letter %d: %q headers %v, want line %s %s %q", i, dlq[i].Data(), h, want.line, want.reason, want.data)
		}
	}
	if s, d := k.records("http", "stored"), k.records("http", "dead_lettered"); s != 2 || d != 3 {
		t.Errorf("records stored %v dead_lettered %v, want 2 and 3", s, d)
	}
}

// TestAuthentication: each failure is 401 with nothing stored and counted;
// the token, a signature, and the second of two signatures (a key
// rotation) pass.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	k := setup(t, nil)
	signer, err := httpsource.NewSigner(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := httpsource.NewSigner("whsec_b3RoZXIga2V5")
	now := time.Now()
	ts := fmt.Sprint(now.Unix())
	sig := signer.Sign("msg-1", now, []byte(placed))
	for _, tt := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"nothing", nil, 401},
		{"wrong token", []string{"Authorization", "Bearer nope"}, 401},
		{"basic auth", []string{"Authorization", "Basic dTpw"}, 401},
		{"token of another length", []string{"Authorization", "Bearer " + testToken + "x"}, 401},
		{"signature of another key", []string{"webhook-id", "msg-1", "webhook-timestamp", ts, "webhook-signature", other.Sign("msg-1", now, []byte(placed))}, 401},
		{"signature of another id", []string{"webhook-id", "msg-2", "webhook-timestamp", ts, "webhook-signature", sig}, 401},
		{"no webhook-id", []string{"webhook-timestamp", ts, "webhook-signature", sig}, 401},
		{"timestamp 6 minutes old", []string{"webhook-id", "msg-1", "webhook-timestamp", fmt.Sprint(now.Add(-6 * time.Minute).Unix()),
			"webhook-signature", signer.Sign("msg-1", now.Add(-6*time.Minute), []byte(placed))}, 401},
		{"timestamp 6 minutes ahead", []string{"webhook-id", "msg-1", "webhook-timestamp", fmt.Sprint(now.Add(6 * time.Minute).Unix()),
			"webhook-signature", signer.Sign("msg-1", now.Add(6*time.Minute), []byte(placed))}, 401},
		{"not v1", []string{"webhook-id", "msg-1", "webhook-timestamp", ts, "webhook-signature", "v2," + strings.TrimPrefix(sig, "v1,")}, 401},
		{"wrong token, good signature", []string{"Authorization", "Bearer nope", "webhook-id", "msg-1", "webhook-timestamp", ts, "webhook-signature", sig}, 200},
		{"rotated: second signature", []string{"webhook-id", "msg-1", "webhook-timestamp", ts,
			"webhook-signature", other.Sign("msg-1", now, []byte(placed)) + " " + sig}, 200},
		{"token", []string{"Authorization", "bearer " + testToken}, 200},
	} {
		code, answer, _ := k.post(k.url, httpsource.PathEvents, "application/json", placed, tt.headers...)
		if code != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, code, answer, tt.want)
		}
		if code == 401 && answer != `{"error":"authentication failed"}` {
			t.Errorf("%s: 401 says %s", tt.name, answer)
		}
	}
	if n := len(k.read(contract.EventsStream)); n != 1 {
		t.Errorf("ORDER_EVENTS holds %d, want 1 (the same event thrice, stored once)", n)
	}
	if n, ok := k.requests(k.src, "events", "401"), k.requests(k.src, "events", "200"); n != 10 || ok != 3 {
		t.Errorf("requests 401 = %v and 200 = %v, want 10 and 3", n, ok)
	}
}

// TestSignedEventID: a signed single event without event_id is stored
// under its webhook-id; retried, it is stored once.
func TestSignedEventID(t *testing.T) {
	t.Parallel()
	k := setup(t, func(h *config.HTTPIngest) { h.Token = "" })
	signer, _ := httpsource.NewSigner(testSecret)
	body := `{"order_id":"ORD-9","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}`
	for range 2 {
		now := time.Now()
		code, answer, _ := k.post(k.url, httpsource.PathEvents, "application/json", body,
			"webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "webhook-timestamp", fmt.Sprint(now.Unix()),
			"webhook-signature", signer.Sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, []byte(body)))
		if code != 200 {
			t.Fatalf("%d %s", code, answer)
		}
	}
	msgs := k.read(contract.EventsStream)
	want := `{"event_id":"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W","order_id":"ORD-9","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}`
	if len(msgs) != 1 || string(msgs[0].Data()) != want {
		t.Errorf("ORDER_EVENTS holds %q, want once %s", datas(msgs), want)
	}
}

// TestNoAuthOnLoopback: with neither token nor secret, /v1/events takes
// events without credentials (config refuses that off loopback).
func TestNoAuthOnLoopback(t *testing.T) {
	t.Parallel()
	k := setup(t, func(h *config.HTTPIngest) { h.Token, h.Secret = "", "" })
	if code, answer, _ := k.post(k.url, httpsource.PathEvents, "application/json", placed); code != 200 {
		t.Errorf("%d %s, want 200", code, answer)
	}
}

// TestBadRequests: oversize bodies (declared or streamed) get 413, other
// content types 415, other methods 405, and nothing is stored.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	k := setup(t, nil)
	big := `{"order_id":"ORD-1","pad":"` + strings.Repeat("x", testMaxBody) + `"}`
	if code, answer := k.postEvents("application/json", big); code != http.StatusRequestEntityTooLarge ||
		answer != `{"error":"the body is 4125 bytes, ingest.http.max_body is 4KiB"}` {
		t.Errorf("declared oversize: %d %s", code, answer)
	}
	// A body of unknown length is cut at max_body.
	req, _ := http.NewRequest(http.MethodPost, k.url+httpsource.PathEvents, struct{ *strings.Reader }{strings.NewReader(big)})
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := k.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.ContentLength == 0 {
		t.Errorf("streamed oversize: %d", resp.StatusCode)
	}
	if code, answer := k.postEvents("text/plain", placed); code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d %s", code, answer)
	}
	if code, _ := k.postEvents("application/x-www-form-urlencoded", placed); code != http.StatusUnsupportedMediaType {
		t.Errorf("a form: %d", code)
	}
	if code, _ := pipelinetest.Get(t, k.url+httpsource.PathEvents); code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", code)
	}
	if n := len(k.read(contract.EventsStream)) + len(k.read(contract.DLQStream)); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
	if n := k.requests(k.src, "events", "413"); n != 2 {
		t.Errorf("requests 413 = %v, want 2", n)
	}
}

// TestNATSDown: while NATS is down a request is answered 503 with
// Retry-After within 5 s and nothing is acknowledged; once it is back the
// retry is answered 200 and the events are stored once.
func TestNATSDown(t *testing.T) {
	t.Parallel()
	k := setup(t, nil)
	body := placed + "\n" + `{"event_id":"e-2","order_id":"ORD-1","event_type":"PROCESSING_STARTED","timestamp":"2024-01-01T10:01:00Z"}` + "\n"
	if code, answer := k.postEvents(httpsource.TypeNDJSON, body); code != 200 {
		t.Fatalf("%d %s", code, answer)
	}
	port := k.nats.Server.Addr().(*net.TCPAddr).Port
	dir := strings.TrimSuffix(k.nats.Server.StoreDir(), "/jetstream")
	k.nats.Server.Shutdown()
	k.nats.Server.WaitForShutdown()
	start := time.Now()
	code, answer, h := k.post(k.url, httpsource.PathEvents, httpsource.TypeNDJSON, body, "Authorization", "Bearer "+testToken)
	if took := time.Since(start); code != http.StatusServiceUnavailable || h.Get("Retry-After") != httpsource.RetryAfter || took > 5*time.Second {
		t.Fatalf("NATS down: %d %s Retry-After %q after %s, want 503 with Retry-After within 5s", code, answer, h.Get("Retry-After"), took)
	}
	if st := k.src.Status(); st.State != httpsource.StatePaused || !strings.Contains(st.Error, "NATS cannot store") {
		t.Errorf("status while NATS is down: %+v, want paused with the error", st)
	}
	k.nats.Server = pipelinetest.RunServer(t, dir, port)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if code, answer := k.postEvents(httpsource.TypeNDJSON, body); code != 200 {
			return fmt.Errorf("retry answered %d %s", code, answer)
		}
		return nil
	})
	if st := k.src.Status(); st.State != httpsource.StateRunning || st.Error != "" || st.Stored != 4 || st.DeadLettered != 0 {
		t.Errorf("status after NATS is back: %+v, want running, 4 stored (2 twice)", st)
	}
	if msgs := k.read(contract.EventsStream); len(msgs) != 2 {
		t.Errorf("ORDER_EVENTS holds %q, want the 2 events once", datas(msgs))
	}
	if n := k.requests(k.src, "events", "503"); n < 1 {
		t.Errorf("requests 503 = %v, want at least 1", n)
	}
}

// TestTwoInstancesSameEvents: two instances behind a load balancer take
// the same retried requests concurrently; every event is stored once.
func TestTwoInstancesSameEvents(t *testing.T) {
	t.Parallel()
	k := setup(t, nil)
	_, url2 := k.start()
	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf(`{"order_id":"ORD-%d","event_type":"ORDER_PLACED","timestamp":"2024-01-01T10:00:00Z"}`, i))
	}
	body := strings.Join(lines, "\n")
	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for i := range 8 {
		url := k.url
		if i%2 == 1 {
			url = url2
		}
		wg.Go(func() {
			code, _, _ := k.post(url, httpsource.PathEvents, httpsource.TypeNDJSON, body, "Authorization", "Bearer "+testToken)
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 200 {
			t.Errorf("a post answered %d", code)
		}
	}
	if n := len(k.read(contract.EventsStream)); n != 20 {
		t.Errorf("ORDER_EVENTS holds %d, want 20", n)
	}
}
