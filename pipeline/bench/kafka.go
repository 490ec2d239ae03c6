package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest/kafka"
)

// startKafka starts an in-process Kafka cluster of one broker with topic
// of partitions partitions and returns its addresses and how to stop it.
// It is set only in a binary built with -tags benchkafka (kafka_cluster.go):
// the cluster (kfake) is a test server that the production binary does
// not carry.
var startKafka func(topic string, partitions int32) (brokers []string, stop func(), err error)

// kafkaNotLinked says why the kafka phase is skipped and how to run it.
const kafkaNotLinked = "this binary has no in-process Kafka cluster; build it with -tags benchkafka " +
	"(scripts/bench.sh does: go build -tags benchkafka ./cmd/ordertrack)"

// kafkaTarget is the least share of direct publishing's rate the Kafka
// source must store at.
const kafkaTarget = 0.7

// benchKafka compares the Kafka source with direct publishing in one run,
// two rounds of each, alternating, the best of each reported (the host
// is shared): Events ORDER_PLACED events published to ORDER_EVENTS as
// 'ordertrack publish' does (asynchronously, event id as Nats-Msg-Id), and
// as many other events produced as fast as possible to an in-process Kafka
// cluster (kfake, one broker, a partition per pipeline partition) while
// the source runs (once it has joined the group and owns every partition),
// timed from the first produce until the last is stored.
// No pipeline runs: both sides are timed to ORDER_EVENTS.
func (r *benchRun) benchKafka(ctx context.Context) error {
	if startKafka == nil {
		r.report.skip("kafka: %s", kafkaNotLinked)
		return nil
	}
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	n := r.opts.Events
	ts := time.Now().Add(-time.Hour)
	var direct, rate, produce float64
	for round := range 2 {
		d, err := r.directRun(e, n, round, ts)
		if err != nil {
			return err
		}
		took, produced, err := r.kafkaRun(ctx, e, n, round, ts)
		if err != nil {
			return err
		}
		direct, rate, produce = max(direct, d), max(rate, perSecond(n, took)), max(produce, perSecond(n, produced))
	}
	r.report.add("kafka", "direct NATS publish (as ordertrack publish)", direct, "events/s").Note = "best of 2"
	r.report.add("kafka", "produce to kfake", produce, "records/s").Note = "best of 2"
	r.report.add("kafka", "Kafka source, first produce to all stored", rate, "events/s").Note = "best of 2"
	r.report.atLeast("kafka", "Kafka source / direct publish", rate/direct, "x", kafkaTarget)
	return nil
}

// directRun publishes n events as 'ordertrack publish' does and returns
// events/s until the last PubAck.
func (r *benchRun) directRun(e *benchEnv, n, round int, ts time.Time) (float64, error) {
	begin := time.Now()
	for i := range n {
		id := benchOrderID(fmt.Sprintf("KD%d", round), i)
		ev := 4*round*n + i
		if err := e.load.publish(e.prov.Topology.EventSubject(id), placedEvent(id, ev, ts), "bp-"+strconv.Itoa(ev)); err != nil {
			return 0, err
		}
	}
	if err := e.load.wait(60 * time.Second); err != nil {
		return 0, err
	}
	return perSecond(n, time.Since(begin)), nil
}

// kafkaRun produces n events to a fresh kfake cluster while a Kafka source
// stores them; it returns the time until all are stored (ORDER_EVENTS
// holds n more) and the time producing took.
func (r *benchRun) kafkaRun(ctx context.Context, e *benchEnv, n, round int, ts time.Time) (took, produced time.Duration, err error) {
	brokers, stopKafka, err := startKafka("orders", int32(r.cfg.Streaming.Partitions))
	if err != nil {
		return 0, 0, err
	}
	defer stopKafka()
	k := r.cfg.Ingest.Kafka
	k.Enabled, k.Brokers, k.Topics = true, brokers, []string{"orders"}
	src, err := kafka.New(kafka.Options{Kafka: k, Conn: e.pipeNC, Topology: e.prov.Topology, MaxSkew: r.cfg.SLA.MaxClockSkew, Log: r.log})
	if err != nil {
		return 0, 0, err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- src.Run(sctx) }()
	defer func() { stop(); <-done }()
	if err := waitAssigned(ctx, src, r.cfg.Streaming.Partitions); err != nil {
		return 0, 0, err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	before, err := streamMsgs(ctx, e, contract.EventsStream)
	if err != nil {
		return 0, 0, err
	}
	begin := time.Now()
	for i := range n {
		id := benchOrderID(fmt.Sprintf("KK%d", round), i)
		cl.Produce(ctx, &kgo.Record{Key: []byte(id), Value: placedEvent(id, (4*round+2)*n+i, ts)}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, 0, err
	}
	produced = time.Since(begin)
	// Every 10 ms: a stream info request per 2 ms would load the server
	// being measured.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(120 * time.Second)
	for {
		got, err := streamMsgs(ctx, e, contract.EventsStream)
		if err == nil && got >= before+uint64(n) {
			return time.Since(begin), produced, nil
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("the Kafka source stored %d of %d events in 120s", got-before, n)
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// waitAssigned waits until src owns all partitions: joining the group is
// a start-up cost, not the rate the source stores at.
func waitAssigned(ctx context.Context, src *kafka.Source, partitions int) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for len(src.Status().Partitions) < partitions {
		if time.Now().After(deadline) {
			return fmt.Errorf("the Kafka source owns %d of %d partitions after 30s", len(src.Status().Partitions), partitions)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// streamMsgs is the number of messages stream holds.
func streamMsgs(ctx context.Context, e *benchEnv, stream string) (uint64, error) {
	s, err := e.pipeJS.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	return s.CachedInfo().State.Msgs, nil
}
