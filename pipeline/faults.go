package pipeline

import (
	"log/slog"
	"sync"
	"time"
)

// Retry policy for transient faults (docs/faults.md): a batch that failed
// because NATS could not answer keeps its deliveries and runs them again
// after retryFirst, doubling up to retryCap, for as long as the fault
// lasts. The deliveries are held (InProgress), never NAKed, so a fault
// never counts as a failed delivery of the event.
const (
	retryFirst = 100 * time.Millisecond
	retryCap   = time.Second
)

// faultLog turns a burst of transient failures across partitions into
// one WARN when it starts and one INFO when every partition has recovered,
// instead of a line per failed order and batch.
type faultLog struct {
	log     *slog.Logger
	mu      sync.Mutex
	since   time.Time // start of the current burst; zero when none
	failing map[int]bool
	retries int
}

// failed records a transient failure of a batch of partition part; order
// is the order the error belongs to ("" for a batch-wide error).
func (f *faultLog) failed(part int, orderID string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retries++
	if f.failing == nil {
		f.failing = map[int]bool{}
	}
	f.failing[part] = true
	if !f.since.IsZero() {
		f.log.Debug("transient fault; retrying", "partition", part, "order", orderID, "err", err)
		return
	}
	f.since = time.Now()
	f.log.Warn("NATS is not answering (transient fault); holding the affected events and retrying until it does, without using up their deliveries",
		"partition", part, "order", orderID, "err", err)
}

// ok records a batch of partition part that had no transient failure.
func (f *faultLog) ok(part int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.failing[part] {
		return
	}
	delete(f.failing, part)
	if len(f.failing) == 0 && !f.since.IsZero() {
		f.log.Info("NATS answers again; processing resumed", "fault_lasted", time.Since(f.since).Round(time.Millisecond), "batch_retries", f.retries)
		f.since, f.retries = time.Time{}, 0
	}
}
