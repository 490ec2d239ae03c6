package monitor_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/monitor"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestAuthToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-Token-42"
	var logs lockedBuffer
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
		{"/api/status?access_token=" + token, "", http.StatusUnauthorized}, // the query parameter is for SSE only
		{"/api/rates", "", http.StatusUnauthorized},
		{"/api/attainment", "", http.StatusUnauthorized},
		{"/api/at-risk", "", http.StatusUnauthorized},
		{"/api/orders/A", "", http.StatusUnauthorized},
		{"/api/events", "", http.StatusUnauthorized},
		{"/api/events?access_token=wrong", "", http.StatusUnauthorized},
		{"/api/events?access_token=" + token, "", http.StatusOK},
		{"/api/events", "Bearer " + token, http.StatusOK},
		{"/metrics", "", http.StatusUnauthorized},
		{"/metrics", "Bearer " + token, http.StatusOK},
		{"/", "Bearer " + token, http.StatusOK},
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
