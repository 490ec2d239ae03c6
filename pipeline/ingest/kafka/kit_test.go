package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"log/slog"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

const topic = "orders"

// kit is a kfake cluster with topic orders, a JetStream server with the
// streams provisioned, and a producer.
type kit struct {
	t       *testing.T
	kafka   *kfake.Cluster
	nats    *pipelinetest.JetStream
	cfg     config.Config
	topo    contract.Topology
	produce *kgo.Client
	metrics *ingest.Metrics
}

func setup(t *testing.T, partitions int32, opts ...kfake.Opt) *kit {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic),
		kfake.GroupMinSessionTimeout(500 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	k := &kit{t: t, kafka: c, nats: pipelinetest.RunJetStream(t, pipelinetest.Reconnecting()), metrics: ingest.NewMetrics()}
	k.cfg = config.Default()
	k.cfg.Ingest.Kafka.Enabled = true
	k.cfg.Ingest.Kafka.Brokers = c.ListenAddrs()
	k.cfg.Streaming.Partitions = 4
	ctx, cancel := context.WithTimeout(context.Background(), pipelinetest.WaitTimeout())
	defer cancel()
	prov, err := contract.Provision(ctx, k.nats.JS, k.cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	k.topo = prov.Topology
	k.produce, err = kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.produce.Close)
	return k
}

// options are the source's options against the kit.
func (k *kit) options() Options {
	return Options{Kafka: k.cfg.Ingest.Kafka, Mapping: k.cfg.Ingest.Mapping, Conn: k.nats.Conn, Topology: k.topo,
		MaxSkew: k.cfg.SLA.MaxClockSkew, SessionTimeout: time.Second, Metrics: k.metrics, Log: testLog(k.t)}
}

// stableOptions are options with the default session timeout, for tests
// that count what the source stored: with the kit's 1 s a loaded machine
// can miss heartbeats, the member is fenced and joins again, and the
// records not yet committed are fetched and published again (stored once,
// counted again: a repeat JetStream drops as a duplicate counts as stored).
func (k *kit) stableOptions() Options {
	o := k.options()
	o.SessionTimeout = DefaultSessionTimeout
	return o
}

// testLog logs to the test's output when -v.
func testLog(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("test", t.Name())
}

// running is a started source.
type running struct {
	*Source
	cancel context.CancelFunc
	done   chan error
}

// start runs a source with o until the test ends or stop.
func (k *kit) start(o Options) *running {
	k.t.Helper()
	s, err := New(o)
	if err != nil {
		k.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Source: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	k.t.Cleanup(func() { r.stop(k.t) })
	return r
}

// stop stops the source and waits for Run to return nil.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && err != nil {
			t.Errorf("Run: %v", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(pipelinetest.WaitTimeout()):
		t.Fatal("the source did not stop")
	}
}

// send produces values to partition p, in order.
func (k *kit) send(p int32, values ...string) {
	k.t.Helper()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Partition: p, Value: []byte(v)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), pipelinetest.WaitTimeout())
	defer cancel()
	if err := k.produce.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		k.t.Fatal(err)
	}
}

// event is a valid event of order id without an event_id.
func event(id, typ string) string {
	return fmt.Sprintf(`{"order_id":%q,"event_type":%q,"timestamp":"2026-01-02T09:00:00Z"}`, id, typ)
}

// stored returns the messages of stream, waiting until there are n.
func (k *kit) stored(stream string, n int) []jetstream.Msg {
	k.t.Helper()
	pipelinetest.WaitFor(k.t, pipelinetest.WaitTimeout(), func() error {
		info, err := k.nats.JS.Stream(context.Background(), stream)
		if err != nil {
			return err
		}
		if got := info.CachedInfo().State.Msgs; got < uint64(n) {
			return fmt.Errorf("%s holds %d messages, want %d", stream, got, n)
		}
		return nil
	})
	msgs := pipelinetest.ReadStream(k.t, k.nats.JS, stream, jetstream.OrderedConsumerConfig{})
	if len(msgs) != n {
		k.t.Fatalf("%s holds %d messages, want exactly %d", stream, len(msgs), n)
	}
	return msgs
}

// committed returns the group's committed offsets of topic.
func (k *kit) committed() map[int32]int64 {
	k.t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = k.cfg.Ingest.Kafka.Group
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, k.produce)
	if err != nil {
		k.t.Fatal(err)
	}
	out := map[int32]int64{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if t.Topic == topic && p.Offset >= 0 {
				out[p.Partition] = p.Offset
			}
		}
	}
	return out
}

// waitCommitted waits until the group has committed want.
func (k *kit) waitCommitted(want map[int32]int64) {
	k.t.Helper()
	pipelinetest.WaitFor(k.t, pipelinetest.WaitTimeout(), func() error {
		if got := k.committed(); fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("committed %v, want %v", got, want)
		}
		return nil
	})
}

// coordinates reads kafka:<topic>:<partition>:<offset> back.
func coordinates(id string) (partition int32, offset int64, ok bool) {
	parts := strings.Split(id, ":")
	if len(parts) != 4 || parts[0] != "kafka" {
		return 0, 0, false
	}
	p, err1 := strconv.Atoi(parts[2])
	o, err2 := strconv.ParseInt(parts[3], 10, 64)
	return int32(p), o, err1 == nil && err2 == nil
}

// checkOffsetOrder fails unless the stored events of each Kafka partition
// are in offset order and each offset is stored exactly once.
func checkOffsetOrder(t *testing.T, msgs []jetstream.Msg) map[int32][]int64 {
	t.Helper()
	byPartition := map[int32][]int64{}
	for _, m := range msgs {
		p, o, ok := coordinates(m.Headers().Get(jetstream.MsgIDHeader))
		if !ok {
			continue
		}
		byPartition[p] = append(byPartition[p], o)
	}
	for p, offs := range byPartition {
		if !sort.SliceIsSorted(offs, func(i, j int) bool { return offs[i] < offs[j] }) {
			t.Errorf("partition %d stored out of offset order: %v", p, offs)
		}
		for i := 1; i < len(offs); i++ {
			if offs[i] == offs[i-1] {
				t.Errorf("partition %d offset %d stored twice", p, offs[i])
			}
		}
	}
	return byPartition
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func orderReason(r string) order.Reason { return order.Reason(r) }

// trimJetStream is the store directory a server was started with (its
// StoreDir ends in /jetstream).
func trimJetStream(dir string) string { return strings.TrimSuffix(dir, "/jetstream") }

func addrPort(a net.Addr) int { return a.(*net.TCPAddr).Port }
