package monitor_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

func TestAuthToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-Token-42"
	var logs pipelinetest.Buffer
	e := setup(t, withMonitor(func(o *monitor.Options) {
		o.AuthToken = token
		o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}))
	do := func(path, header string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body []byte
		if resp.Header.Get("Content-Type") != "text/event-stream" {
			body, _ = io.ReadAll(resp.Body)
		}
		return resp.StatusCode, string(body), resp.Header
	}
	for _, tt := range []struct {
		path, header string
		want         int
	}{
		{"/healthz", "", http.StatusOK},
		{"/api/status", "", http.StatusUnauthorized},
		{"/api/status", "Bearer wrong", http.StatusUnauthorized},
		{"/api/status", "Basic " + token, http.StatusUnauthorized},
		{"/api/status", "Bearer " + token, http.StatusOK},
		{"/api/status?access_token=" + token, "", http.StatusUnauthorized},
		{"/api/rates", "", http.StatusUnauthorized},
		{"/api/attainment", "", http.StatusUnauthorized},
		{"/api/at-risk", "", http.StatusUnauthorized},
		{"/api/orders/A", "", http.StatusUnauthorized},
		{"/api/events", "", http.StatusUnauthorized},
		{"/api/events?access_token=wrong", "", http.StatusUnauthorized},
		{"/api/events?access_token=" + token, "", http.StatusUnauthorized}, // the token never goes in a URL: a ticket does
		{"/api/events?ticket=" + token, "", http.StatusUnauthorized},
		{"/api/events", "Bearer " + token, http.StatusOK},
		{"/metrics", "", http.StatusUnauthorized},
		{"/metrics", "Bearer " + token, http.StatusOK},
		{"/", "Bearer " + token, http.StatusOK},
		{"/app.js", "", http.StatusOK}, // the 401 page's script and style: static, no data
		{"/style.css", "", http.StatusOK},
	} {
		code, body, h := do(tt.path, tt.header)
		if code != tt.want {
			t.Errorf("GET %s (Authorization %q): %d, want %d: %s", tt.path, tt.header, code, tt.want, body)
		}
		if code == http.StatusUnauthorized && h.Get("WWW-Authenticate") != `Bearer realm="ordertrack"` {
			t.Errorf("GET %s: 401 without WWW-Authenticate", tt.path)
		}
		if strings.Contains(body, token) {
			t.Errorf("GET %s: the body shows the token", tt.path)
		}
	}
	// The page without a token: 401 with the shell that asks for it, no data.
	code, body, _ := do("/", "")
	if code != http.StatusUnauthorized || !strings.Contains(body, "This dashboard needs a token") || !strings.Contains(body, `data-auth="token"`) {
		t.Errorf("GET / without token: %d\n%.300s", code, body)
	}
	if code, _, _ := do("/readyz", ""); code == http.StatusUnauthorized {
		t.Errorf("/readyz needs no token, got 401")
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the log shows the token:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "auth=true") {
		t.Errorf("the start log does not say auth is on:\n%s", logs.String())
	}
}

// request sends method path to base with Host host (the URL's when empty)
// and the bearer token (none when empty), and returns the status and body.
func request(t *testing.T, method, url, host, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		return resp.StatusCode, ""
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestForeignHostForbiddenWithoutToken: a monitor without a token answers
// 403 to a request whose Host is another name (a web page that rebinds its
// DNS name to 127.0.0.1 sends its own name), and serves localhost, loopback
// addresses and its own address; the probes answer any Host.
func TestForeignHostForbiddenWithoutToken(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.publish(t, "X", "ORDER_PLACED", time.Now())
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if code, body := request(t, http.MethodGet, e.base+"/api/orders/X", "", ""); code != http.StatusOK {
			return fmt.Errorf("/api/orders/X %d: %s", code, body)
		}
		return nil
	})
	_, port, _ := net.SplitHostPort(e.mon.Addr())
	for _, tt := range []struct {
		path, host string
		want       int
	}{
		{"/api/orders/X", "attacker.example:" + port, http.StatusForbidden},
		{"/api/orders/X", "attacker.example", http.StatusForbidden},
		{"/api/orders/X", "localhost.attacker.example:" + port, http.StatusForbidden},
		{"/api/orders/X", "127.0.0.1.nip.io:" + port, http.StatusForbidden},
		{"/api/events", "attacker.example:" + port, http.StatusForbidden},
		{"/api/status", "attacker.example:" + port, http.StatusForbidden},
		{"/metrics", "attacker.example:" + port, http.StatusForbidden},
		{"/", "attacker.example:" + port, http.StatusForbidden},
		{"/api/orders/X", "localhost:" + port, http.StatusOK},
		{"/api/orders/X", "LOCALHOST", http.StatusOK},
		{"/api/orders/X", "127.0.0.1:" + port, http.StatusOK},
		{"/api/orders/X", "127.8.9.10", http.StatusOK},
		{"/api/orders/X", "[::1]:" + port, http.StatusOK},
		{"/api/orders/X", "10.1.2.3:" + port, http.StatusForbidden}, // not the listen address (127.0.0.1)
		{"/healthz", "10.1.2.3:" + port, http.StatusOK},             // a Kubernetes probe sends the pod's address
		{"/readyz", "attacker.example:" + port, http.StatusOK},
	} {
		code, body := request(t, http.MethodGet, e.base+tt.path, tt.host, "")
		if code != tt.want {
			t.Errorf("GET %s with Host %s: %d, want %d: %.200s", tt.path, tt.host, code, tt.want, body)
		}
		if code == http.StatusForbidden && (strings.Contains(body, `"X"`) || !strings.Contains(body, "monitor.auth_token")) {
			t.Errorf("GET %s with Host %s: 403 body %q, want an error naming monitor.auth_token and no data", tt.path, tt.host, body)
		}
	}
}

// TestForeignHostServedWithToken: with a token the token is the guard,
// whatever the Host (a monitor behind a proxy or a Kubernetes Service).
func TestForeignHostServedWithToken(t *testing.T) {
	t.Parallel()
	const token = "host-test-token"
	e := setup(t, withMonitor(func(o *monitor.Options) { o.AuthToken = token }))
	if code, body := request(t, http.MethodGet, e.base+"/api/status", "ordertrack.example.com", token); code != http.StatusOK {
		t.Errorf("GET /api/status with the token and Host ordertrack.example.com: %d, want 200: %s", code, body)
	}
	if code, _ := request(t, http.MethodGet, e.base+"/api/status", "ordertrack.example.com", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /api/status without the token: %d, want 401", code)
	}
}

// TestEventStreamTicket: the event stream takes a ticket that only the
// token buys, once and for 30 s; never the token itself in the URL.
func TestEventStreamTicket(t *testing.T) {
	t.Parallel()
	const token = "ticket-test-token"
	var offset atomic.Int64 // the clock's advance
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	e := setup(t, withMonitor(func(o *monitor.Options) { o.AuthToken, o.Now = token, clock }))
	ticket := func() monitor.TicketView {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.base+"/api/events/ticket", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v monitor.TicketView
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&v) != nil || len(v.Ticket) < 40 {
			t.Fatalf("POST /api/events/ticket: %d %+v", resp.StatusCode, v)
		}
		return v
	}
	if code, _ := request(t, http.MethodPost, e.base+"/api/events/ticket", "", ""); code != http.StatusUnauthorized {
		t.Errorf("POST /api/events/ticket without the token: %d, want 401", code)
	}
	if code, _ := request(t, http.MethodPost, e.base+"/api/events/ticket", "", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("POST /api/events/ticket with a wrong token: %d, want 401", code)
	}
	before := clock()
	v := ticket()
	if d := v.ExpiresAt.Sub(before); d < 30*time.Second || d > 31*time.Second {
		t.Errorf("ticket expires %s after it was asked for, want 30s", d)
	}
	if w := ticket(); w.Ticket == v.Ticket {
		t.Errorf("two tickets are the same: %s", v.Ticket)
	}
	if code, _ := request(t, http.MethodGet, e.base+"/api/status?access_token="+v.Ticket, "", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /api/status?access_token=<ticket>: %d, want 401 (a ticket opens the event stream only)", code)
	}
	if code, _ := request(t, http.MethodGet, e.base+"/api/events?access_token="+v.Ticket, "", ""); code != http.StatusOK {
		t.Errorf("GET /api/events?access_token=<ticket>: %d, want 200", code)
	}
	if code, _ := request(t, http.MethodGet, e.base+"/api/events?access_token="+v.Ticket, "", ""); code != http.StatusUnauthorized {
		t.Errorf("the same ticket again: %d, want 401 (a ticket opens one stream)", code)
	}
	late := ticket()
	offset.Store(int64(30 * time.Second))
	if code, _ := request(t, http.MethodGet, e.base+"/api/events?access_token="+late.Ticket, "", ""); code != http.StatusUnauthorized {
		t.Errorf("a ticket 30s old: %d, want 401", code)
	}
}
