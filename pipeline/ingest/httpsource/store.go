package httpsource

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// burstWindow is how often a burst of the same failure is logged.
const burstWindow = time.Minute

// answer is the body of a 200 (SPEC section 16, "HTTP").
type answer struct {
	Stored       int         `json:"stored"`
	DeadLettered int         `json:"dead_lettered"`
	Ignored      int         `json:"ignored,omitempty"`
	Errors       []lineError `json:"errors"`
}

// lineError is one dead-lettered line of an answer.
type lineError struct {
	Line   int          `json:"line"`
	Reason order.Reason `json:"reason"`
	Error  string       `json:"error"`
}

// storeAndAnswer stores recs and answers 200 with what they became, or
// 503 with Retry-After when NATS did not store them all.
func (s *Source) storeAndAnswer(w http.ResponseWriter, r *http.Request, source string, recs []record) {
	if err := s.store(r.Context(), recs); err != nil {
		s.storeLog.note(s.log, s.opts.Now(), "NATS cannot store events taken over HTTP; answering 503",
			"error", err.Error(), "path", r.URL.Path, "events", len(recs))
		s.status.set(StatePaused, err.Error(), s.opts.Now())
		unavailable(w, "NATS cannot store events now; nothing of this request is acknowledged, retry it")
		return
	}
	a := answer{Errors: []lineError{}}
	for _, rec := range recs {
		if rec.result == ingest.ResultStored {
			a.Stored++
			continue
		}
		a.DeadLettered++
		a.Errors = append(a.Errors, lineError{Line: rec.line, Reason: rec.err.Reason, Error: rec.err.Detail})
	}
	s.status.set(StateRunning, "", s.opts.Now())
	s.status.stored.Add(int64(a.Stored))
	s.status.deadLettered.Add(int64(a.DeadLettered))
	s.opts.Metrics.Count(source, ingest.ResultStored, a.Stored)
	s.opts.Metrics.Count(source, ingest.ResultDeadLettered, a.DeadLettered)
	answerJSON(w, http.StatusOK, a)
}

// store publishes every record at once and waits for all their PubAcks
// (a duplicate that JetStream drops counts as stored), at most
// StoreTimeout. Any failure fails the whole request.
func (s *Source) store(ctx context.Context, recs []record) error {
	if len(recs) == 0 {
		return nil
	}
	if !s.opts.Conn.IsConnected() {
		return fmt.Errorf("%w: not connected", ErrCannotStore)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.StoreTimeout)
	defer cancel()
	futures := make([]jetstream.PubAckFuture, 0, len(recs))
	for _, rec := range recs {
		f, err := s.js.PublishMsgAsync(rec.msg)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCannotStore, err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("%w: %v", ErrCannotStore, err)
		case <-ctx.Done():
			return fmt.Errorf("%w: no PubAck within %s", ErrCannotStore, s.opts.StoreTimeout)
		}
	}
	return nil
}

// unauthorized answers 401 and logs the failure once per burst, without
// the body or any credential.
func (s *Source) unauthorized(w http.ResponseWriter, r *http.Request, endpoint string, why error) {
	s.authLog.note(s.log, s.opts.Now(), "ingest request failed authentication; answering 401",
		"endpoint", endpoint, "remote", r.RemoteAddr, "why", why.Error())
	answerError(w, http.StatusUnauthorized, "authentication failed")
}

// unavailable answers 503 with Retry-After.
func unavailable(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", RetryAfter)
	answerError(w, http.StatusServiceUnavailable, msg)
}

func answerError(w http.ResponseWriter, code int, msg string) {
	answerJSON(w, code, map[string]string{"error": msg})
}

func answerJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// burstLog logs a repeated failure at most once per burstWindow, with the
// number of failures since the last line.
type burstLog struct {
	mu     sync.Mutex
	last   time.Time
	missed int
}

func (b *burstLog) note(log *slog.Logger, now time.Time, msg string, args ...any) {
	b.mu.Lock()
	if !b.last.IsZero() && now.Sub(b.last) < burstWindow {
		b.missed++
		b.mu.Unlock()
		return
	}
	missed := b.missed
	b.last, b.missed = now, 0
	b.mu.Unlock()
	log.Warn(msg, append(args, "not_logged_since_last", missed)...)
}
