package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/ingest/mapping"
)

// SourceName is the source label of metrics, status and dead letters.
const SourceName = "kafka"

// Defaults of Options.
const (
	// DefaultMaxInFlight bounds the records of one batch. Two batches are
	// in flight at most (the next is mapped and published while the
	// previous one's PubAcks are awaited), so it bounds the PubAcks in
	// flight and the records held while NATS cannot store to twice that.
	DefaultMaxInFlight = 4096
	// DefaultSessionTimeout is the group session timeout: a dead
	// instance's partitions move to the others after it (kgo's default is
	// 45s).
	DefaultSessionTimeout = 10 * time.Second
	// fetchMaxBytes bounds what kgo buffers per broker ahead of the polls.
	fetchMaxBytes = 8 << 20
	// idlePoll is how long a poll waits for records before the loop
	// retries a failed commit and refreshes its status.
	idlePoll = time.Second
	// commitEvery spaces the commits of stored offsets under load; an
	// idle poll, a revoke and the stop commit at once. The offsets wait
	// in Source.pending meanwhile: a crash reads at most that much again
	// (stored once: Nats-Msg-Id).
	commitEvery = 100 * time.Millisecond
	// fetchErrorClear is how long polls must come back without an error
	// before a fetch error leaves the status when no records arrive (one
	// poll that brings records clears it at once): a fault that keeps
	// coming back between idle polls stays reported.
	fetchErrorClear = 5 * time.Second
	// publishTimeout is how long a PubAck is awaited before the event is
	// published again.
	publishTimeout = 5 * time.Second
)

// Options configure a Source.
type Options struct {
	// Kafka is ingest.kafka; Mapping ingest.mapping.
	Kafka   config.Kafka
	Mapping config.Mapping
	// Conn is the NATS connection events are published on.
	Conn     *nats.Conn
	Topology contract.Topology
	// MaxSkew is sla.max_clock_skew (an event time further ahead of its
	// arrival is dead-lettered timestamp_in_future).
	MaxSkew time.Duration
	// InstanceID, when set (instance.name configured), makes this
	// instance a static member of the group: restarted under the same
	// name it gets its partitions back at once, without a rebalance.
	InstanceID string
	// SessionTimeout of the group membership; default
	// DefaultSessionTimeout.
	SessionTimeout time.Duration
	// MaxInFlight is the most records polled as one batch; default
	// DefaultMaxInFlight. At most two batches are held at once.
	MaxInFlight int
	// Metrics counts records; nil counts nothing.
	Metrics *ingest.Metrics
	Log     *slog.Logger
	// Now is the clock of arrival times; default time.Now.
	Now func() time.Time
	// ClientOptions are more kgo options (tests).
	ClientOptions []kgo.Opt
}

// Source is the Kafka source. Run it once.
type Source struct {
	opts   Options
	js     jetstream.JetStream
	mapper *mapping.Mapper
	log    *slog.Logger
	cl     *kgo.Client

	mu     sync.Mutex
	status Status
	// pending are offsets stored in NATS whose commit has not succeeded
	// yet, by partition.
	pending    map[partition]kgo.EpochOffset
	lastCommit time.Time
	// rebalanceWaiting is set when a rebalance waits for the batches in
	// flight (kgo.OnPartitionsCallbackBlocked).
	rebalanceWaiting atomic.Bool
	faults           faultLog
	// clientFaults are kgo's own warnings (a broker away).
	clientFaults faultLog
	// lastFetchError is when a poll last returned an error (the loop's
	// own).
	lastFetchError time.Time
}

// partition names one Kafka partition.
type partition struct {
	topic string
	id    int32
}

// New checks o and builds the source; Run starts it.
func New(o Options) (*Source, error) {
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = DefaultSessionTimeout
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	js, err := jetstream.New(o.Conn, jetstream.WithPublishAsyncMaxPending(2*o.MaxInFlight),
		jetstream.WithPublishAsyncTimeout(publishTimeout))
	if err != nil {
		return nil, fmt.Errorf("kafka source: %w", err)
	}
	s := &Source{opts: o, js: js, mapper: mapping.New(o.Mapping), log: o.Log.With("source", SourceName),
		pending: map[partition]kgo.EpochOffset{}}
	s.status = Status{Source: SourceName, State: StateStarting, Group: o.Kafka.Group, Topics: o.Kafka.Topics}
	return s, nil
}

// Run joins the group and stores records until ctx ends, then commits what
// is stored, leaves the group (its partitions move to the other instances
// at once) and returns nil. It fails only when the client cannot be built
// (a bad TLS file); broker and NATS outages are retried.
func (s *Source) Run(ctx context.Context) error {
	opts, err := s.clientOptions()
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("kafka source: %w", err)
	}
	s.cl = cl
	s.log.Info("kafka source started", "group", s.opts.Kafka.Group, "topics", s.opts.Kafka.Topics,
		"static_member", s.opts.InstanceID != "")
	s.setState(StateRunning, "")
	// flying is the batch published last, its PubAcks awaited while the
	// next poll is mapped and published.
	var flying *batch
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, idlePoll)
		fetches := cl.PollRecords(pctx, s.opts.MaxInFlight)
		cancel()
		if fetches.IsClientClosed() {
			break
		}
		if s.fetchErrors(fetches) == 0 {
			s.fetchedCleanly(!fetches.Empty())
		}
		if !fetches.Empty() && len(fetches.Errors()) == 0 {
			s.clientFaults.recovered(s.log, "kafka client: brokers answer again")
		}
		b := s.prepare(fetches)
		s.send(b)
		if flying != nil {
			b = s.land(ctx, flying, b)
		}
		flying = b // nil when it was landed with the previous batch
		if flying == nil || len(flying.recs) == 0 || s.rebalanceWaiting.Load() {
			// Idle, or a rebalance waits: nothing may stay in flight
			// when it is allowed (a revoked partition's records are
			// all stored and committed before it is given up).
			if flying != nil {
				s.land(ctx, flying, nil)
				flying = nil
			}
			s.commit(ctx)
			s.rebalanceWaiting.Store(false)
			cl.AllowRebalance()
		} else if time.Since(s.lastCommit) >= commitEvery {
			s.commit(ctx)
		}
	}
	if flying != nil {
		s.land(ctx, flying, nil)
	}
	s.close()
	return nil
}

// close commits what is stored, leaves the group and closes the client.
func (s *Source) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.commit(ctx)
	s.setState(StateStopped, "")
	s.cl.CloseAllowingRebalance()
	s.leave(ctx)
	s.log.Info("kafka source stopped")
}

// fetchErrors logs fetch errors once per burst (a broker lost, a
// coordinator moved, the group session lost and joined again): kgo
// retries them itself. It returns how many there were.
func (s *Source) fetchErrors(fetches kgo.Fetches) int {
	n := 0
	for _, fe := range fetches.Errors() {
		if errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, context.Canceled) {
			continue
		}
		n++
		s.lastFetchError = time.Now()
		s.faults.note(s.log, "kafka fetch failing; retrying", fe.Err, "topic", fe.Topic, "partition", fe.Partition)
		s.setState(StateRunning, fe.Err.Error())
	}
	return n
}

// fetchedCleanly takes a fetch error out of the status once polls work
// again: at once when records came, else after fetchErrorClear without
// one. (A status that kept the error would report the source stalled,
// and /readyz failing, for as long as it runs.)
func (s *Source) fetchedCleanly(records bool) {
	if !records && time.Since(s.lastFetchError) < fetchErrorClear {
		return
	}
	s.mu.Lock()
	failing := s.status.State == StateRunning && s.status.Error != ""
	s.mu.Unlock()
	if failing {
		s.setState(StateRunning, "")
		s.faults.recovered(s.log, "kafka fetch works again")
	}
}

// derivedID is the event id of a record without its own.
func derivedID(r *kgo.Record) string {
	return "kafka:" + r.Topic + ":" + strconv.Itoa(int(r.Partition)) + ":" + strconv.FormatInt(r.Offset, 10)
}
