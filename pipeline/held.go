package pipeline

import (
	"time"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// held are the deliveries a worker keeps to run again itself: those of
// orders whose batch failed on a transient fault, later deliveries of the
// same orders (so an order's events stay in order), and messages that
// failed for good on their last allowed delivery (to be dead-lettered).
// They stay delivered: the worker tells the server they are in progress
// so that ack_wait never expires, and a fault never counts as a delivery.
type held struct {
	ds      []delivery
	orders  map[string]bool
	seqs    map[heldKey]int // index in ds by stream and sequence
	delay   time.Duration   // current retry backoff
	due     time.Time       // when the held deliveries run again
	touched time.Time       // last InProgress sent
}

type heldKey struct {
	stream string
	seq    uint64
}

func (h *held) len() int { return len(h.ds) }

// add keeps d. A redelivery of a message already held replaces it (the
// newest delivery is the one the server expects an ack for).
func (h *held) add(d delivery) {
	if h.orders == nil {
		h.orders, h.seqs = map[string]bool{}, map[heldKey]int{}
	}
	h.orders[contract.OrderFromSubject(d.msg.Subject())] = true
	if md, err := d.msg.Metadata(); err == nil {
		k := heldKey{md.Stream, md.Sequence.Stream}
		if i, ok := h.seqs[k]; ok {
			h.ds[i] = d
			return
		}
		h.seqs[k] = len(h.ds)
	}
	h.ds = append(h.ds, d)
	_ = d.msg.InProgress()
}

// backoff schedules the next run of the held deliveries: at once when
// nothing failed transiently (dead-letters to send), else after the
// current delay, which doubles up to retryCap.
func (h *held) backoff(transientFault bool) {
	if !transientFault {
		h.due = time.Now()
		return
	}
	h.delay = min(max(2*h.delay, retryFirst), retryCap)
	h.due = time.Now().Add(h.delay)
}

// recovered resets the backoff after a batch without a transient fault.
func (h *held) recovered() { h.delay = 0 }

// wake returns a channel that fires when the held deliveries are due or
// need their InProgress renewed; nil when none are held.
func (h *held) wake(ackWait time.Duration) (<-chan time.Time, func()) {
	if len(h.ds) == 0 {
		return nil, func() {}
	}
	at := min(h.due.UnixNano(), h.touched.Add(ackWait/3).UnixNano())
	t := time.NewTimer(time.Until(time.Unix(0, at)))
	return t.C, func() { t.Stop() }
}

// touch renews the deliveries' ack_wait if a third of it has passed.
func (h *held) touch(ackWait time.Duration) {
	if len(h.ds) == 0 || time.Since(h.touched) < ackWait/3 {
		return
	}
	h.touched = time.Now()
	for _, d := range h.ds {
		_ = d.msg.InProgress()
	}
}

// take merges the held deliveries into ds: once due, up to n of them go
// first; deliveries of ds for an order still held join the held ones
// instead of overtaking them.
func (h *held) take(ds []delivery, n int) []delivery {
	if len(h.ds) == 0 {
		return ds
	}
	var out []delivery
	for _, d := range ds {
		if h.orders[contract.OrderFromSubject(d.msg.Subject())] {
			h.add(d)
		} else {
			out = append(out, d)
		}
	}
	if time.Now().Before(h.due) {
		return out
	}
	k := min(n, len(h.ds))
	run := append(h.ds[:k:k], out...)
	rest := append([]delivery(nil), h.ds[k:]...)
	h.reset()
	for _, d := range rest {
		h.add(d)
	}
	return run
}

func (h *held) reset() {
	h.ds, h.orders, h.seqs = nil, nil, nil
}

// nakAll hands every held delivery back to the server for prompt
// redelivery (a graceful stop, a partition given up).
func (h *held) nakAll() {
	for _, d := range h.ds {
		_ = d.msg.Nak()
	}
	h.reset()
}
