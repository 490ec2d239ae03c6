package notify

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		first      time.Duration
		n          int
		retryAfter time.Duration
		want       time.Duration
	}{
		{time.Second, 1, 0, time.Second},
		{time.Second, 2, 0, 2 * time.Second},
		{time.Second, 4, 0, 8 * time.Second},
		{time.Second, 9, 0, 256 * time.Second},
		{time.Second, 10, 0, MaxBackoff},
		{time.Second, 100, 0, MaxBackoff},
		{time.Second, 1, 30 * time.Second, 30 * time.Second}, // Retry-After longer: honoured
		{10 * time.Second, 1, time.Second, 10 * time.Second}, // shorter: the backoff
		{time.Second, 1, 3 * time.Hour, time.Hour},           // capped
	}
	for _, tt := range tests {
		if got := Backoff(tt.first, tt.n, tt.retryAfter); got != tt.want {
			t.Errorf("Backoff(%v, %d, %v) = %v, want %v", tt.first, tt.n, tt.retryAfter, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Tue, 01 Dec 2026 10:00:30 GMT": 30 * time.Second,
		"Tue, 01 Dec 2026 09:00:00 GMT": 0, // in the past
	}
	for v, want := range tests {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"https://hooks.slack.com/services/T0/B0/secret": "https://hooks.slack.com/...",
		"https://user:pw@example.com/":                  "https://example.com",
		"http://127.0.0.1:8080":                         "http://127.0.0.1:8080",
		"http://h/x?token=abc":                          "http://h/...",
		"::":                                            "(invalid URL)",
	}
	for in, want := range tests {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	err := redact(&url.Error{Op: "Post", URL: "https://h/secret-path", Err: errors.New("connection refused")})
	if err.Error() != "connection refused" {
		t.Errorf("redact = %q", err)
	}
}

func TestSign(t *testing.T) {
	// echo -n '{"a":1}' | openssl dgst -sha256 -hmac key
	const want = "sha256=88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342"
	if got := Sign("key", []byte(`{"a":1}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
