package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// runner delivers the alerts of one webhook. Messages of one order go
// through one lane, in order; lanes of different orders run in parallel,
// at most Parallel requests at once. Every message held (queued, being
// sent or waiting for a retry) is kept alive with InProgress.
type runner struct {
	n      *Notifier
	name   string
	hook   atomic.Pointer[config.Webhook]
	stream jetstream.Stream
	log    *slog.Logger
	sem    chan struct{}
	cc     jetstream.ConsumeContext

	// stopping is closed when the runner stops taking new attempts; sendCtx
	// ends requests still in flight finishBudget later.
	stopping   chan struct{}
	sendCtx    context.Context
	sendCancel context.CancelFunc
	stopOnce   sync.Once
	lanesWG    sync.WaitGroup
	tickerDone chan struct{}

	mu    sync.Mutex
	lanes map[string][]jetstream.Msg // order id -> queued messages; present while a lane runs
	held  map[jetstream.Msg]struct{}
}

// start sets up the webhook's consumer and starts consuming.
func (n *Notifier) start(ctx context.Context, w config.Webhook) (*runner, error) {
	s, c, err := n.consumer(ctx, w.Name)
	if err != nil {
		return nil, err
	}
	r := &runner{n: n, name: w.Name, stream: s, log: n.log.With("webhook", w.Name),
		sem: make(chan struct{}, n.opts.Parallel), stopping: make(chan struct{}), tickerDone: make(chan struct{}),
		lanes: map[string][]jetstream.Msg{}, held: map[jetstream.Msg]struct{}{}}
	r.sendCtx, r.sendCancel = context.WithCancel(context.Background())
	r.set(w)
	r.cc, err = c.Consume(r.receive,
		jetstream.PullPriorityGroup(contract.PriorityGroup),
		jetstream.PullMaxMessages(min(n.opts.InFlight, 64)),
		jetstream.PullExpiry(max(n.opts.PinnedTTL/3, time.Second)),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				r.log.Debug("webhook consumer", "err", err)
			}
		}))
	if err != nil {
		r.sendCancel()
		return nil, err
	}
	go r.keepAlive()
	return r, nil
}

// set changes the webhook's settings from its next attempt on.
func (r *runner) set(w config.Webhook) { r.hook.Store(&w) }

// receive queues a message on its order's lane, starting the lane if idle.
func (r *runner) receive(m jetstream.Msg) {
	id := contract.OrderFromSubject(m.Subject())
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.stopping:
		_ = m.Nak()
		return
	default:
	}
	r.held[m] = struct{}{}
	q, running := r.lanes[id]
	r.lanes[id] = append(q, m)
	if !running {
		r.lanesWG.Add(1)
		go r.lane(id)
	}
}

// lane delivers the queued messages of one order, one after the other.
func (r *runner) lane(id string) {
	defer r.lanesWG.Done()
	for {
		r.mu.Lock()
		q := r.lanes[id]
		if len(q) == 0 {
			delete(r.lanes, id)
			r.mu.Unlock()
			return
		}
		m := q[0]
		r.lanes[id] = q[1:]
		r.mu.Unlock()
		r.handle(m)
		r.mu.Lock()
		delete(r.held, m)
		r.mu.Unlock()
	}
}

// keepAlive tells the server that held messages are being worked on, so
// that a long retry does not end in a redelivery.
func (r *runner) keepAlive() {
	defer close(r.tickerDone)
	t := time.NewTicker(max(r.n.opts.AckWait/3, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-r.stopping:
			return
		case <-t.C:
		}
		r.mu.Lock()
		held := make([]jetstream.Msg, 0, len(r.held))
		for m := range r.held {
			held = append(held, m)
		}
		r.mu.Unlock()
		for _, m := range held {
			_ = m.InProgress()
		}
	}
}

// stop ends consuming: no new attempt starts, requests in flight get
// finishBudget, and every message not delivered is handed back (NAK) so
// that another instance, or the next start, delivers it at once. The pin
// is released. It is safe to call twice.
func (r *runner) stop() {
	r.stopOnce.Do(func() {
		r.cc.Stop()
		r.mu.Lock()
		close(r.stopping)
		r.mu.Unlock()
		timer := time.AfterFunc(finishBudget, r.sendCancel)
		r.lanesWG.Wait()
		timer.Stop()
		r.sendCancel()
		<-r.tickerDone
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := r.stream.UnpinConsumer(ctx, r.n.opts.Topology.NotifyConsumer(r.name), contract.PriorityGroup); err != nil &&
			!errors.Is(err, jetstream.ErrConsumerNotFound) {
			r.log.Debug("unpin webhook consumer", "err", err)
		}
	})
}

// stopped reports whether stop has begun.
func (r *runner) stopped() bool {
	select {
	case <-r.stopping:
		return true
	default:
		return false
	}
}

// wait sleeps d unless the runner stops first; it reports whether it slept.
func (r *runner) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.stopping:
		return false
	}
}
