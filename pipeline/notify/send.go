package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ordertrack/ordertrack/config"
)

// Request headers (SPEC section 13).
const (
	HeaderDelivery  = "Ordertrack-Delivery"
	HeaderAttempt   = "Ordertrack-Attempt"
	HeaderSignature = "Ordertrack-Signature"
	// HeaderWebhook names the webhook on a notify_failed dead letter.
	HeaderWebhook = "Ordertrack-Webhook"
)

// maxAnswer is how much of a response body Send keeps.
const maxAnswer = 2048

// Alert is one output to deliver: the bytes stored on ORDER_UPDATES and
// the fields a webhook needs.
type Alert struct {
	// Data is the output JSON as stored (SPEC section 6).
	Data []byte
	// ID is its Nats-Msg-Id, sent as Ordertrack-Delivery.
	ID string
	// Subject it was stored on; Seq its stream sequence; Stored when.
	Subject string
	Seq     uint64
	Stored  time.Time
	// Decoded fields of Data.
	OrderID   string `json:"order_id"`
	EventType string `json:"event_type"`
	Message   string `json:"message"`
	// Fields holds the alert's match fields that it carries.
	Fields map[string]string `json:"-"`
}

// ParseAlert decodes the fields of an output that delivery needs.
func ParseAlert(data []byte) (Alert, error) {
	var a Alert
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return Alert{}, fmt.Errorf("alert is not JSON: %w", err)
	}
	a.Data = data
	a.OrderID, _ = raw["order_id"].(string)
	a.EventType, _ = raw["event_type"].(string)
	a.Message, _ = raw["message"].(string)
	a.Fields = map[string]string{}
	for _, f := range config.MatchFields {
		if v, ok := raw[f].(string); ok && v != "" {
			a.Fields[f] = v
		}
	}
	return a, nil
}

// Result is the outcome of one attempt.
type Result struct {
	// Status is the HTTP status; 0 when no answer came.
	Status int
	// Answer is the start of the response body.
	Answer string
	// Err says why the attempt failed; nil when delivered (2xx).
	Err error
	// Retry says whether a later attempt may succeed (408, 429, 5xx,
	// timeouts, connection errors).
	Retry bool
	// RetryAfter is the wait a 429 or 503 asked for; 0 when none.
	RetryAfter time.Duration
	// Took is how long the attempt took.
	Took time.Duration
}

// Body returns what is POSTed for an alert in the webhook's format.
func Body(w config.Webhook, a Alert) []byte {
	if w.Format == config.FormatSlack {
		b, _ := json.Marshal(map[string]string{"text": a.Message})
		return b
	}
	return a.Data
}

// Sign returns the Ordertrack-Signature value of body: sha256=<hex of
// HMAC-SHA256(secret, body)>.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// NewClient returns the HTTP client of webhook deliveries: it does not
// follow redirects (a POST must not turn into a GET elsewhere).
func NewClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Send POSTs an alert to a webhook once (attempt 1, 2, ...), within the
// webhook's timeout, and classifies the answer. Errors never contain the
// URL's path or query, the secret or header values.
func Send(ctx context.Context, client *http.Client, w config.Webhook, a Alert, attempt int) Result {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	body := Body(w, a)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Result{Err: fmt.Errorf("webhook %s: bad request: %w", w.Name, redact(err)), Took: time.Since(start)}
	}
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ordertrack")
	req.Header.Set(HeaderDelivery, a.ID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	if w.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	}
	resp, err := client.Do(req)
	if err != nil {
		reason := redact(err)
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			reason = fmt.Errorf("no answer within %s", w.Timeout)
		}
		return Result{Err: fmt.Errorf("POST %s: %w", Redact(w.URL), reason), Retry: true, Took: time.Since(start)}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // lets the connection be reused
	r := Result{Status: resp.StatusCode, Answer: string(answer), Took: time.Since(start)}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return r
	}
	r.Err = fmt.Errorf("POST %s: HTTP %s", Redact(w.URL), resp.Status)
	r.Retry = resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	if r.Retry {
		r.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return r
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Redact shows a webhook URL without what may be secret: scheme and host
// only ("https://hooks.slack.com/..."), as Slack's URLs carry a token.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	s := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		s += "/..."
	}
	return s
}

// redact drops the URL a *url.Error carries, keeping what went wrong.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
