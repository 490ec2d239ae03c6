package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Results of ordertrack_notify_deliveries_total.
const (
	ResultDelivered    = "delivered"     // a 2xx answer
	ResultRetried      = "retried"       // an attempt failed and will be retried
	ResultDeadLettered = "dead_lettered" // given up: sent to ORDER_DLQ as notify_failed
	ResultSkipped      = "skipped"       // not of the webhook's events or match
)

// handle delivers one message: filtered out, delivered, or dead-lettered
// after the attempts allowed; then acknowledged. When the runner stops
// first the message is handed back instead.
func (r *runner) handle(m jetstream.Msg) {
	if r.stopped() {
		_ = m.Nak()
		return
	}
	a, err := alertOf(m)
	if err != nil {
		r.log.Warn("not an alert; skipped", "subject", m.Subject(), "err", err)
		_ = m.Ack()
		return
	}
	hook := *r.hook.Load()
	if ok, err := r.wants(hook, a); err != nil || !ok {
		if err != nil { // the order's fields could not be read: try again later
			r.log.Warn("cannot read the order to match the alert; retrying", "order_id", a.OrderID, "err", err)
			_ = m.NakWithDelay(time.Second)
			return
		}
		r.n.opts.Metrics.delivered(r.name, ResultSkipped, 0)
		_ = m.Ack()
		return
	}
	r.deliver(m, a)
}

// deliver runs the attempts of one alert.
func (r *runner) deliver(m jetstream.Msg, a Alert) {
	for attempt := 1; ; attempt++ {
		hook := *r.hook.Load() // a changed webhook applies from the next attempt
		cfg := *r.n.cfg.Load()
		res, ok := r.send(hook, a, attempt)
		if !ok {
			_ = m.Nak() // stopping
			return
		}
		if res.Err == nil {
			r.n.opts.Metrics.delivered(r.name, ResultDelivered, time.Since(a.Stored))
			r.log.Debug("alert delivered", "delivery", a.ID, "attempt", attempt, "status", res.Status, "took", res.Took)
			_ = m.Ack()
			return
		}
		if !res.Retry || attempt >= cfg.MaxAttempts {
			r.deadLetter(m, a, hook, attempt, res)
			return
		}
		r.n.opts.Metrics.delivered(r.name, ResultRetried, 0)
		wait := Backoff(cfg.Backoff, attempt, res.RetryAfter)
		r.log.Info("alert delivery failed; retrying", "delivery", a.ID, "attempt", attempt, "err", res.Err, "retry_in", wait)
		if !r.wait(wait) {
			_ = m.Nak()
			return
		}
	}
}

// send makes one attempt within the webhook's parallel bound; false when
// the runner stopped before it could start.
func (r *runner) send(hook config.Webhook, a Alert, attempt int) (Result, bool) {
	select {
	case r.sem <- struct{}{}:
	case <-r.stopping:
		return Result{}, false
	}
	defer func() { <-r.sem }()
	if r.stopped() {
		return Result{}, false
	}
	res := Send(r.sendCtx, r.n.opts.Client, hook, a, attempt)
	if r.sendCtx.Err() != nil && res.Err != nil {
		return Result{}, false // cut short by the stop: not the webhook's failure
	}
	return res, true
}

// Backoff is the wait after failed attempt n (1, 2, ...): first doubled
// n-1 times, at most MaxBackoff, and at least what Retry-After asked for
// (at most an hour).
func Backoff(first time.Duration, n int, retryAfter time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, MaxBackoff)
	return max(d, min(retryAfter, maxRetryAfter))
}

// wants reports whether the webhook takes the alert: one of its events,
// and the order's fields equal to its match.
func (r *runner) wants(w config.Webhook, a Alert) (bool, error) {
	if !slices.Contains(w.Events, a.EventType) {
		return false, nil
	}
	if len(w.Match) == 0 {
		return true, nil
	}
	fields := a.Fields
	for k, want := range w.Match {
		got, ok := fields[k]
		if !ok && r.n.opts.Orders != nil {
			var err error
			if fields, err = r.orderFields(a); err != nil {
				return false, err
			}
			got = fields[k]
		}
		if got != want {
			return false, nil
		}
	}
	return true, nil
}

// orderFields reads the match fields of the alert's order from ORDERS.
func (r *runner) orderFields(a Alert) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e, err := r.n.opts.Orders.Get(ctx, a.OrderID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range a.Fields {
		out[k] = v
	}
	if !e.Found {
		return out, nil
	}
	var raw map[string]any
	if err := json.Unmarshal(e.Value, &raw); err != nil {
		return out, nil
	}
	for _, f := range config.MatchFields {
		if v, ok := raw[f].(string); ok && out[f] == "" {
			out[f] = v
		}
	}
	return out, nil
}

// alertOf reads a message of ORDER_UPDATES as an alert.
func alertOf(m jetstream.Msg) (Alert, error) {
	a, err := ParseAlert(m.Data())
	if err != nil {
		return Alert{}, err
	}
	a.Subject = m.Subject()
	a.ID = m.Headers().Get(jetstream.MsgIDHeader)
	if md, err := m.Metadata(); err == nil {
		a.Seq, a.Stored = md.Sequence.Stream, md.Timestamp
	}
	if a.ID == "" {
		a.ID = contract.UpdatesStream + ":" + strconv.FormatUint(a.Seq, 10)
	}
	return a, nil
}

// deadLetter stores the alert in ORDER_DLQ as notify_failed, then acks it.
// The store is retried until it succeeds or the runner stops (then the
// alert is handed back and delivered again later).
func (r *runner) deadLetter(m jetstream.Msg, a Alert, w config.Webhook, attempts int, res Result) {
	dl := DeadLetter(r.n.opts.Topology, a, w.Name, fmt.Sprintf("after %d attempt(s): %v", attempts, res.Err))
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := r.n.opts.JS.PublishMsg(ctx, dl)
		cancel()
		if err == nil {
			break
		}
		r.log.Warn("storing a dead letter failed; retrying", "delivery", a.ID, "err", err)
		if !r.wait(Backoff(100*time.Millisecond, try, 0)) {
			_ = m.Nak()
			return
		}
	}
	r.n.opts.Metrics.delivered(r.name, ResultDeadLettered, 0)
	r.log.Warn("alert dead-lettered", "delivery", a.ID, "attempts", attempts, "status", res.Status, "err", res.Err)
	_ = m.Ack()
}

// DeadLetter is the ORDER_DLQ message of an alert a webhook refused: the
// alert's bytes, reason notify_failed, the webhook and the error. Its
// Nats-Msg-Id makes a repeat after a crash a duplicate.
func DeadLetter(t contract.Topology, a Alert, webhook, reason string) *nats.Msg {
	m := nats.NewMsg(t.DLQSubject(order.ReasonNotifyFailed))
	m.Data = a.Data
	m.Header.Set(contract.HeaderReason, string(order.ReasonNotifyFailed))
	m.Header.Set(contract.HeaderError, reason)
	m.Header.Set(HeaderWebhook, webhook)
	m.Header.Set(HeaderDelivery, a.ID)
	m.Header.Set(contract.HeaderSourceSubject, a.Subject)
	m.Header.Set(contract.HeaderSourceSeq, strconv.FormatUint(a.Seq, 10))
	m.Header.Set(jetstream.MsgIDHeader, "notify:"+webhook+":"+a.ID)
	return m
}
