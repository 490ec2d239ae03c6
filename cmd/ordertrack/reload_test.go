package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// liveRig is a running `ordertrack run --config FILE` and a client.
type liveRig struct {
	t    *testing.T
	file string
	s    *started
	js   jetstream.JetStream
}

func startLive(t *testing.T, yaml string) *liveRig {
	t.Helper()
	r := &liveRig{t: t, file: filepath.Join(t.TempDir(), "ordertrack.yaml")}
	r.write(yaml)
	r.s = startMain(t, "run", "--config", r.file,
		"--nats.embedded.listen", "127.0.0.1:0", "--nats.embedded.store_dir", t.TempDir(),
		"--generator.enabled", "false", "--monitor.listen", "", "--streaming.partitions", "2")
	_, r.js = pipelinetest.Connect(t, r.s.info.NATSURL, nil)
	return r
}

// write replaces the file as editors do: a new file renamed over it.
func (r *liveRig) write(yaml string) {
	r.t.Helper()
	tmp := r.file + ".tmp"
	if err := os.WriteFile(tmp, []byte(yaml), 0o600); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Rename(tmp, r.file); err != nil {
		r.t.Fatal(err)
	}
}

// reloaded waits for the log line of the n-th reload with the given result.
func (r *liveRig) waitLog(within time.Duration, sub string, n int) {
	r.t.Helper()
	pipelinetest.WaitFor(r.t, within, func() error {
		if got := strings.Count(r.s.errs.String(), sub); got < n {
			return fmt.Errorf("%d of %d log lines %q:\n%s", got, n, sub, tail(r.s.errs.String(), 2000))
		}
		return nil
	})
}

// place publishes ORDER_PLACED of id at ts.
func (r *liveRig) place(id string, ts time.Time) {
	r.t.Helper()
	data := fmt.Appendf(nil, `{"order_id":%q,"event_type":"ORDER_PLACED","timestamp":%q,"item_name":"Socks"}`, id, ts.Format(time.RFC3339Nano))
	if _, err := r.js.Publish(context.Background(), testTopo.EventSubject(id), data); err != nil {
		r.t.Fatal(err)
	}
}

// breach waits for the processing breach of id and returns it.
func (r *liveRig) breach(id string, within time.Duration) order.Update {
	r.t.Helper()
	var got order.Update
	pipelinetest.WaitFor(r.t, within, func() error {
		s, err := r.js.Stream(context.Background(), "ORDER_UPDATES")
		if err != nil {
			return err
		}
		m, err := s.GetLastMsgForSubject(context.Background(), testTopo.AlertSubject(order.SLAProcessing, id))
		if err != nil {
			return fmt.Errorf("no processing breach of %s: %v", id, err)
		}
		return json.Unmarshal(m.Data, &got)
	})
	return got
}

const liveBase = "generator:\n  demo_sla: \"false\"\nsla:\n  processing: %s\n  shipping: 1h\n  delivery: 2h\n"

// TestRunReloadsSLAsAndWebhooks edits the file of a running `run`: a
// shorter SLA applies to a new order (breach on the new deadline); an
// invalid edit is rejected naming the key and the SLA in force stays; a
// key that needs a restart is kept; a webhook added live receives alerts.
func TestRunReloadsSLAsAndWebhooks(t *testing.T) {
	t.Parallel()
	r := startLive(t, fmt.Sprintf(liveBase, "1h"))
	hash := r.s.info.Live.Hash()

	r.write(fmt.Sprintf(liveBase, "1500ms"))
	r.waitLog(pipelinetest.WaitTimeout(), `msg="configuration reloaded"`, 1)
	if r.s.info.Live.Hash() == hash || r.s.info.Live.Config().SLA.Processing != 1500*time.Millisecond {
		t.Fatalf("after reload: hash %s (was %s), processing %s", r.s.info.Live.Hash(), hash, r.s.info.Live.Config().SLA.Processing)
	}
	placed := time.Now().UTC().Truncate(time.Millisecond)
	r.place("RELOAD-1", placed)
	if b := r.breach("RELOAD-1", pipelinetest.WaitTimeout()); b.Deadline == nil || !b.Deadline.Equal(placed.Add(1500*time.Millisecond)) {
		t.Errorf("RELOAD-1 breach deadline %v, want placed + 1.5s = %v", b.Deadline, placed.Add(1500*time.Millisecond))
	}

	r.write(fmt.Sprintf(liveBase, "-5s"))
	r.waitLog(pipelinetest.WaitTimeout(), "configuration reload rejected", 1)
	if logs := r.s.errs.String(); !strings.Contains(logs, "keys=[sla.processing]") {
		t.Errorf("rejection does not name sla.processing:\n%s", tail(logs, 2000))
	}
	placed = time.Now().UTC().Truncate(time.Millisecond)
	r.place("RELOAD-2", placed)
	if b := r.breach("RELOAD-2", pipelinetest.WaitTimeout()); b.Deadline == nil || !b.Deadline.Equal(placed.Add(1500*time.Millisecond)) {
		t.Errorf("RELOAD-2 breach deadline %v, want the SLA in force, placed + 1.5s = %v", b.Deadline, placed.Add(1500*time.Millisecond))
	}

	rc := newHookReceiver(t)
	r.write(fmt.Sprintf(liveBase, "1500ms") + "streaming:\n  max_batch: 7\nnotify:\n  backoff: 50ms\n  webhooks:\n    - name: ops\n      url: " + rc.srv.URL + "\n      secret: hush\n")
	r.waitLog(pipelinetest.WaitTimeout(), `msg="webhook started" webhook=ops`, 1)
	if logs := r.s.errs.String(); !strings.Contains(logs, "needs a restart") || !strings.Contains(logs, "key=streaming.max_batch") {
		t.Errorf("no restart warning for streaming.max_batch:\n%s", tail(logs, 2000))
	}
	if strings.Contains(r.s.errs.String(), "hush") {
		t.Error("the webhook secret appears in the log")
	}
	r.place("RELOAD-3", time.Now().UTC())
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if rc.got("RELOAD-3:SLA_BREACH:processing") == 0 {
			return fmt.Errorf("webhook added live has not received RELOAD-3's breach")
		}
		return nil
	})
	if b := r.s.info.Live.Config().Streaming.MaxBatch; b != 500 {
		t.Errorf("streaming.max_batch = %d after reload, want the running 500", b)
	}
}

// hookReceiver counts the deliveries an HTTP endpoint gets.
type hookReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	ids map[string]int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{ids: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h.mu.Lock()
		h.ids[r.Header.Get("Ordertrack-Delivery")]++
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) got(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ids[id]
}

// TestNotifyTestAndReplay dead-letters a breach a webhook refuses (400),
// re-sends it with `dlq replay --reason notify_failed` once the webhook
// accepts, and checks `notify test`.
func TestNotifyTestAndReplay(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []http.Header
	refuse := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Header.Clone())
		if refuse {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "no thanks")
			return
		}
		fmt.Fprint(w, "thanks")
	}))
	t.Cleanup(srv.Close)
	yaml := fmt.Sprintf(liveBase, "1s") + "notify:\n  webhooks:\n    - name: picky\n      url: " + srv.URL + "/hook?token=tok-123\n      secret: sec-456\n      headers: {Authorization: Bearer hdr-789}\n"
	r := startLive(t, yaml)
	r.place("DLQ-N1", time.Now().UTC())
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		s, err := r.js.Stream(context.Background(), "ORDER_DLQ")
		if err != nil {
			return err
		}
		if _, err := s.GetLastMsgForSubject(context.Background(), testTopo.DLQSubject(order.ReasonNotifyFailed)); err != nil {
			return fmt.Errorf("no notify_failed dead letter: %v", err)
		}
		return nil
	})
	mu.Lock()
	refuse = false
	mu.Unlock()

	cli := func(args ...string) (int, string, string) {
		return runCommand(t, append(args, "--config", r.file, "--nats.url", r.s.info.NATSURL)...)
	}
	code, out, errs := cli("dlq", "replay", "--reason", "notify_failed")
	if code != 0 || !strings.Contains(out, "re-sent") || !strings.Contains(out, "replayed 1 dead letters") {
		t.Fatalf("dlq replay: exit %d\n%s%s", code, out, errs)
	}
	mu.Lock()
	if len(got) != 2 || got[1].Get("Ordertrack-Delivery") != "DLQ-N1:SLA_BREACH:processing" || got[0].Get("Ordertrack-Delivery") != got[1].Get("Ordertrack-Delivery") {
		t.Errorf("webhook requests %v, want the refused alert then its replay with the same Ordertrack-Delivery", got)
	}
	mu.Unlock()
	if code, out, _ := cli("dlq", "list", "--reason", "notify_failed"); code != 0 || !strings.Contains(out, "0 dead letters") {
		t.Errorf("dead letter not removed after the replay: %s", out)
	}

	code, out, errs = cli("notify", "test", "--webhook", "picky")
	if code != 0 || !strings.Contains(out, "answer: HTTP 200") || !strings.Contains(out, "thanks") || !strings.Contains(out, "delivered to webhook picky") {
		t.Errorf("notify test: exit %d\n%s%s", code, out, errs)
	}
	for _, secret := range []string{"tok-123", "sec-456", "hdr-789"} {
		if strings.Contains(out+errs+r.s.errs.String()+r.s.out.String(), secret) {
			t.Errorf("secret %q shown:\n%s%s", secret, out, errs)
		}
	}
	if code, out, errs := cli("status", "--interval", "100ms"); code != 0 || !strings.Contains(out, "Webhooks:        picky 0 pending, 0 in flight") {
		t.Errorf("status: exit %d, no webhook backlog line:\n%s%s", code, out, errs)
	}
	if code, _, errs := cli("notify", "test", "--webhook", "nope"); code != 1 || !strings.Contains(errs, `--webhook "nope" is not in notify.webhooks (have picky)`) {
		t.Errorf("unknown webhook: exit %d: %s", code, errs)
	}
}

// TestRunReloadKeepsDemoSLAs: with the demo SLAs in force, a reload that
// turns generator.demo_sla off and sets sla.processing keeps the demo SLAs
// (demo_sla needs a restart) and says so for both keys; nothing live
// changed, so nothing is applied.
func TestRunReloadKeepsDemoSLAs(t *testing.T) {
	t.Parallel()
	r := startLive(t, "generator:\n  demo_sla: \"true\"\n")
	if !strings.Contains(r.s.out.String(), "[demo SLAs: set generator.demo_sla=false") {
		t.Fatalf("the banner does not say demo SLAs:\n%s", r.s.out.String())
	}
	r.write("generator:\n  demo_sla: \"false\"\nsla:\n  processing: 12h\n")
	r.waitLog(5*time.Second, `msg="configuration reloaded; no live key changed"`, 1)
	logs := r.s.errs.String()
	for _, want := range []string{
		`level=WARN msg="configuration key changed but needs a restart; the running value stays" key=generator.demo_sla`,
		`level=WARN msg="configuration key changed but the demo SLAs override it until a restart with generator.demo_sla=false" key=sla.processing`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if got := r.s.info.Live.Config().SLA.Processing; got != 10*time.Second {
		t.Errorf("sla.processing in force %s after the reload, want the demo's 10s until a restart", got)
	}
}
