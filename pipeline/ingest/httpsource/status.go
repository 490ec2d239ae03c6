package httpsource

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// States of the source in Status().State.
const (
	StateStarting = "starting"
	StateRunning  = "running"
	// StatePaused: the last request could not be stored (NATS cannot
	// store); requests are answered 503 until one is stored again.
	StatePaused  = "paused"
	StateStopped = "stopped"
)

// status is what the source counts and reports in status and /api/status.
type status struct {
	requests     atomic.Int64
	stored       atomic.Int64
	deadLettered atomic.Int64

	mu    sync.Mutex
	state string
	since time.Time
	err   string
	// failed is when a request last could not be stored.
	failed time.Time
}

// set changes the state; since moves when the state or the presence of an
// error changes.
func (st *status) set(state, errText string, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.state != state || (st.err == "") != (errText == "") {
		st.since = now
	}
	st.state, st.err = state, errText
	if state == StatePaused {
		st.failed = now
	}
}

// Stalled reports why the source cannot make progress, or "": it has been
// paused (answering 503: NATS could not store a request) for longer than
// after, and NATS is still away or a request failed within after. Once the
// connection is back and no request has failed for after, the source is
// taken to be able to store again (readiness must not keep requests away
// from an instance that could store them).
func (s *Source) Stalled(after time.Duration) string {
	st := &s.status
	st.mu.Lock()
	defer st.mu.Unlock()
	now := s.opts.Now()
	if st.state != StatePaused || now.Sub(st.since) <= after {
		return ""
	}
	if s.opts.Conn.IsConnected() && now.Sub(st.failed) > after {
		return ""
	}
	return "http source paused (answering 503) since " + st.since.Format(time.RFC3339) + ": " + st.err
}

// Status returns a snapshot of the source for the heartbeat: its address,
// state, the requests it answered (any code) and the events it stored and
// dead-lettered since it started, both endpoints together.
func (s *Source) Status() ownership.Source {
	st := &s.status
	st.mu.Lock()
	defer st.mu.Unlock()
	return ownership.Source{Source: SourceHTTP, Listen: s.opts.Listener.Addr().String(), State: st.state, Since: st.since,
		Error: st.err, Requests: st.requests.Load(), Stored: st.stored.Load(), DeadLettered: st.deadLettered.Load()}
}
