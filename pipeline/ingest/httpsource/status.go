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
