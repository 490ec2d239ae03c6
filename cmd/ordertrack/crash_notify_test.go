package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// blockingHook answers the first `answer` requests at once and holds the
// next ones until released, recording every request's Ordertrack-Delivery.
type blockingHook struct {
	srv     *httptest.Server
	release chan struct{}
	answer  int

	mu       sync.Mutex
	requests map[string]int
	answered map[string]bool // answered 200 before release
	held     map[string]bool // held until release
}

func newBlockingHook(t *testing.T, answer int) *blockingHook {
	h := &blockingHook{release: make(chan struct{}), answer: answer,
		requests: map[string]int{}, answered: map[string]bool{}, held: map[string]bool{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(func() { h.open(); h.srv.Close() })
	return h
}

func (h *blockingHook) serve(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	id := r.Header.Get("Ordertrack-Delivery")
	h.mu.Lock()
	h.requests[id]++
	hold := false
	select {
	case <-h.release:
	default:
		if len(h.answered) >= h.answer {
			hold = true
			h.held[id] = true
		} else {
			h.answered[id] = true
		}
	}
	h.mu.Unlock()
	if hold {
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
	}
}

// open releases held requests and answers every later one at once.
func (h *blockingHook) open() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

func (h *blockingHook) counts() (requests map[string]int, answered, held map[string]bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cp := func(m map[string]bool) map[string]bool {
		out := map[string]bool{}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	req := map[string]int{}
	for k, v := range h.requests {
		req[k] = v
	}
	return req, cp(h.answered), cp(h.held)
}

// TestNotifyAcrossKill kills the binary (SIGKILL) while a webhook holds
// requests, and restarts it: every alert is delivered at least once, and
// only alerts requested before the kill are delivered again. Against an
// external server exactly the alerts in flight at the kill come again;
// with the embedded server (killed too) also those whose acks it had not
// written to its store yet (it writes consumer state at most every 100ms).
func TestNotifyAcrossKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for _, external := range []bool{true, false} {
		name := map[bool]string{true: "external server", false: "embedded server"}[external]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dupHeld, dupAnswered := notifyAcrossKill(t, external)
			if external && dupAnswered > 0 {
				t.Errorf("%d alerts answered before the kill delivered again; only those in flight may be", dupAnswered)
			}
			_ = dupHeld
		})
	}
}

func notifyAcrossKill(t *testing.T, external bool) (dupHeld, dupAnswered int) {
	const n = 40
	hook := newBlockingHook(t, 10)
	file := filepath.Join(t.TempDir(), "notify.yaml")
	yaml := "notify:\n  backoff: 50ms\n  webhooks:\n    - name: ops\n      url: " + hook.srv.URL + "\n      timeout: 60s\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", file, "--sla.processing", "2s", "--sla.shipping", "1h", "--sla.delivery", "1h",
		"--streaming.pinned_ttl", "2s"}
	r := newCrashRig(t)
	if external {
		srv := pipelinetest.RunServer(t, t.TempDir(), -1)
		r.addr = strings.TrimPrefix(srv.ClientURL(), "nats://")
		args = append(args, "--nats.url", srv.ClientURL())
	}
	r.start(args...)
	r.connect()
	if err := r.placeOrders("SLAKILL", n, time.Now().UTC(), ""); err != nil {
		t.Fatal(err)
	}
	// 10 answered and acknowledged, then the webhook's 16 parallel
	// requests held.
	pipelinetest.WaitFor(t, 20*time.Second, func() error {
		if _, answered, held := hook.counts(); len(answered) < 10 || len(held) < 16 {
			return fmt.Errorf("%d answered, %d held; want 10 and 16", len(answered), len(held))
		}
		return r.notifyAcked("ops", 10)
	})
	r.signal(syscall.SIGKILL)
	_, answeredAtKill, heldAtKill := hook.counts()
	hook.open()

	r.start(args...)
	pipelinetest.WaitFor(t, 60*time.Second, func() error {
		req, _, _ := hook.counts()
		missing := 0
		for i := range n {
			if req[fmt.Sprintf("SLAKILL-%04d:SLA_BREACH:processing", i)] == 0 {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d alerts not delivered", missing, n)
		}
		return r.notifyIdle("ops")
	})
	req, _, _ := hook.counts()
	for id, c := range req {
		switch {
		case c == 1:
		case heldAtKill[id]:
			dupHeld++
		case answeredAtKill[id]:
			dupAnswered++
		default:
			t.Errorf("%s delivered %d times but was not requested before the kill", id, c)
		}
	}
	t.Logf("%d alerts: %d answered and %d in flight (held) at the kill; delivered again after the restart: %d of the held, %d of the answered",
		n, len(answeredAtKill), len(heldAtKill), dupHeld, dupAnswered)
	if len(req) != n {
		t.Errorf("%d distinct deliveries, want %d", len(req), n)
	}
	r.signal(syscall.SIGTERM)
	return dupHeld, dupAnswered
}

// notifyAcked waits until the server counts at least n of a webhook's
// alerts acknowledged.
func (r *crashRig) notifyAcked(name string, n uint64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := r.js.Consumer(ctx, "ORDER_UPDATES", r.topo.NotifyConsumer(name))
	if err != nil {
		return err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return err
	}
	if acked := info.Delivered.Consumer - uint64(info.NumAckPending); acked < n {
		return fmt.Errorf("webhook %s: %d acknowledged, want %d", name, acked, n)
	}
	return nil
}

// notifyIdle reports whether a webhook's consumer has delivered and had
// acknowledged everything.
func (r *crashRig) notifyIdle(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return pipelinetest.ConsumerIdle(ctx, r.js, "ORDER_UPDATES", r.topo.NotifyConsumer(name))
}
