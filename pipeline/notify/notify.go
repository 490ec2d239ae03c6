package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// Defaults of Options.
const (
	DefaultAckWait  = 30 * time.Second
	DefaultInFlight = 256
	DefaultParallel = 16
	// MaxBackoff caps the doubling retry wait (SPEC section 13).
	MaxBackoff = 5 * time.Minute
	// maxRetryAfter caps how long a Retry-After can hold an alert.
	maxRetryAfter = time.Hour
	// finishBudget is how long a stop lets requests in flight finish.
	finishBudget = 5 * time.Second
	// reconcileEvery retries webhooks whose consumer could not be set up.
	reconcileEvery = 5 * time.Second
)

// Options configure a Notifier.
type Options struct {
	// JS reaches the NATS server; Topology names subjects and consumers.
	JS       jetstream.JetStream
	Topology contract.Topology
	// Orders, if set, is read for match fields an alert does not carry
	// (item_category, service_level).
	Orders *kv.Store
	// Config is the notify section in force at start; Update changes it.
	Config config.Notify
	// AckWait of the webhooks' consumers: an alert held longer by a crashed
	// instance is delivered again; default DefaultAckWait.
	AckWait time.Duration
	// PinnedTTL is how long a dead instance keeps a webhook before another
	// instance delivers for it (streaming.pinned_ttl); default 10s.
	PinnedTTL time.Duration
	// InFlight bounds the alerts one webhook holds at once (its consumer's
	// MaxAckPending); default DefaultInFlight.
	InFlight int
	// Parallel bounds the requests in flight to one webhook; default
	// DefaultParallel.
	Parallel int
	// Client sends the requests; default NewClient().
	Client *http.Client
	// Metrics, if set, counts deliveries.
	Metrics *Metrics
	// Log receives delivery logs; default: discard. Secrets are never logged.
	Log *slog.Logger
}

// Notifier delivers alerts to the configured webhooks. Each webhook has a
// durable consumer on ORDER_UPDATES shared by every instance (a pinned
// priority group: one instance delivers for a webhook at a time), and its
// own goroutines, so a slow webhook holds up neither the pipeline nor the
// other webhooks.
type Notifier struct {
	opts    Options
	log     *slog.Logger
	cfg     atomic.Pointer[config.Notify]
	updates chan config.Notify

	mu      sync.Mutex
	runners map[string]*runner
	started bool
}

// New returns a notifier; Run starts it.
func New(o Options) *Notifier {
	if o.AckWait <= 0 {
		o.AckWait = DefaultAckWait
	}
	if o.PinnedTTL <= 0 {
		o.PinnedTTL = 10 * time.Second
	}
	if o.InFlight <= 0 {
		o.InFlight = DefaultInFlight
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.Client == nil {
		o.Client = NewClient()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{opts: o, log: o.Log, updates: make(chan config.Notify, 1), runners: map[string]*runner{}}
	c := o.Config
	n.cfg.Store(&c)
	return n
}

// Update puts a new notify configuration in force: webhooks added start,
// removed ones stop (and their consumer is deleted), changed ones use the
// new settings from their next attempt. It does not block.
func (n *Notifier) Update(c config.Notify) {
	for {
		select {
		case n.updates <- c:
			return
		default:
		}
		select { // replace an update not yet taken
		case <-n.updates:
		default:
		}
	}
}

// Start creates or updates the consumers of the configured webhooks and
// starts delivering; Run then keeps the webhooks in line with Update. Call
// it before the pipeline runs, so that no alert is stored before a new
// webhook's consumer exists. A consumer that cannot be created is an error.
func (n *Notifier) Start(ctx context.Context) error {
	n.mu.Lock()
	n.started = true
	n.mu.Unlock()
	err := n.reconcile(ctx, *n.cfg.Load(), true)
	if err != nil {
		n.stopAll()
	}
	return err
}

// Run delivers until ctx is done (calling Start first unless it was), then
// stops every webhook gracefully: requests in flight may finish, alerts
// not delivered are handed back to the consumer at once.
func (n *Notifier) Run(ctx context.Context) error {
	n.mu.Lock()
	started := n.started
	n.mu.Unlock()
	if !started {
		if err := n.Start(ctx); err != nil {
			return err
		}
	}
	defer n.stopAll()
	tick := time.NewTicker(reconcileEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-n.updates:
			n.cfg.Store(&c)
			_ = n.reconcile(ctx, c, false)
		case <-tick.C:
			_ = n.reconcile(ctx, *n.cfg.Load(), false)
		}
	}
}

// reconcile starts, changes and stops runners to match c.
func (n *Notifier) reconcile(ctx context.Context, c config.Notify, strict bool) error {
	var errs []error
	want := map[string]config.Webhook{}
	for _, w := range c.Webhooks {
		want[w.Name] = w
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for name, r := range n.runners {
		if _, ok := want[name]; !ok {
			r.stop()
			delete(n.runners, name)
			n.deleteConsumer(ctx, name)
			n.log.Info("webhook removed", "webhook", name)
		}
	}
	for _, w := range c.Webhooks {
		if r, ok := n.runners[w.Name]; ok {
			r.set(w)
			continue
		}
		r, err := n.start(ctx, w)
		if err != nil {
			n.log.Error("webhook not started; retrying", "webhook", w.Name, "err", err)
			errs = append(errs, err)
			continue
		}
		n.runners[w.Name] = r
		n.log.Info("webhook started", "webhook", w.Name, "url", Redact(w.URL), "format", w.Format,
			"events", w.Events, "signed", w.Secret != "")
	}
	if strict {
		return errors.Join(errs...)
	}
	return nil
}

func (n *Notifier) stopAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	var wg sync.WaitGroup
	for name, r := range n.runners {
		wg.Add(1)
		go func() { defer wg.Done(); r.stop() }()
		delete(n.runners, name)
	}
	wg.Wait()
}

// ConsumerConfig is the durable consumer of one webhook: the alert and
// warning subjects the stream carries, new alerts only (a webhook added
// later does not receive the stream's history), pinned to one instance.
func ConsumerConfig(t contract.Topology, streamSubjects []string, name string, o Options) jetstream.ConsumerConfig {
	filters := []string{t.AlertsWildcard()}
	if slices.Contains(streamSubjects, t.WarningsWildcard()) {
		filters = append(filters, t.WarningsWildcard())
	}
	return jetstream.ConsumerConfig{
		Durable: t.NotifyConsumer(name), Description: "ordertrack webhook " + name,
		FilterSubjects: filters, DeliverPolicy: jetstream.DeliverNewPolicy,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: o.AckWait, MaxDeliver: -1,
		MaxAckPending:  o.InFlight,
		PriorityPolicy: jetstream.PriorityPolicyPinned, PriorityGroups: []string{contract.PriorityGroup},
		PinnedTTL: o.PinnedTTL,
	}
}

// consumer creates or updates the webhook's consumer.
func (n *Notifier) consumer(ctx context.Context, name string) (jetstream.Stream, jetstream.Consumer, error) {
	s, err := n.opts.JS.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		return nil, nil, fmt.Errorf("webhook %s: stream %s: %w", name, contract.UpdatesStream, err)
	}
	cc := ConsumerConfig(n.opts.Topology, s.CachedInfo().Config.Subjects, name, n.opts)
	c, err := s.CreateOrUpdateConsumer(ctx, cc)
	if err != nil {
		return nil, nil, fmt.Errorf("webhook %s: consumer %s: %w", name, cc.Durable, err)
	}
	return s, c, nil
}

func (n *Notifier) deleteConsumer(ctx context.Context, name string) {
	s, err := n.opts.JS.Stream(ctx, contract.UpdatesStream)
	if err == nil {
		err = s.DeleteConsumer(ctx, n.opts.Topology.NotifyConsumer(name))
	}
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		n.log.Warn("consumer of a removed webhook not deleted", "webhook", name, "err", err)
	}
}

// Pending is the backlog of one webhook.
type Pending struct {
	Webhook string `json:"webhook"`
	// Pending alerts not yet handed to an instance (consumer NumPending).
	Pending uint64 `json:"pending"`
	// InFlight alerts handed out and not yet delivered or dead-lettered.
	InFlight int `json:"in_flight"`
}

// Pending returns the backlog of every configured webhook, by name.
func (n *Notifier) Pending(ctx context.Context) []Pending {
	c := n.cfg.Load()
	names := make([]string, len(c.Webhooks))
	for i, w := range c.Webhooks {
		names[i] = w.Name
	}
	return PendingOf(ctx, n.opts.JS, n.opts.Topology, names)
}

// PendingOf reads the backlog of the named webhooks from their consumers
// (for status, from any process). A webhook whose consumer cannot be read
// is left out.
func PendingOf(ctx context.Context, js jetstream.JetStream, t contract.Topology, names []string) []Pending {
	var out []Pending
	for _, name := range names {
		c, err := js.Consumer(ctx, contract.UpdatesStream, t.NotifyConsumer(name))
		if err != nil {
			continue
		}
		info, err := c.Info(ctx)
		if err != nil {
			continue
		}
		out = append(out, Pending{Webhook: name, Pending: info.NumPending, InFlight: info.NumAckPending})
	}
	return out
}
