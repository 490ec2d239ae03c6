package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ordertrack/ordertrack/pipeline/ownership"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// kafkaEvent is step (0-3) of Lifecycle(prefix, i) as a shop would put it
// on Kafka: no event_id (the source derives kafka:<topic>:<partition>:
// <offset>), the order id as the record key.
func kafkaEvent(prefix string, i, step int, ts time.Time) *kgo.Record {
	id, types, _ := pipelinetest.Lifecycle(prefix, i)
	return &kgo.Record{Key: []byte(id), Value: fmt.Appendf(nil, `{"order_id":%q,"event_type":%q,"timestamp":%q}`,
		id, types[step], ts.Add(time.Duration(step)*time.Second).Format(time.RFC3339Nano))}
}

// produceLifecycles produces n lifecycles step by step to topic orders in
// chunks, one chunk per tick, and returns each partition's end offset.
func produceLifecycles(ctx context.Context, cl *kgo.Client, prefix string, n int, tick time.Duration) (map[int32]int64, error) {
	const chunk = 250
	ts := time.Now().UTC().Add(-time.Minute)
	end := map[int32]int64{}
	for step := range 4 {
		for lo := 0; lo < n; lo += chunk {
			var recs []*kgo.Record
			for i := lo; i < min(lo+chunk, n); i++ {
				recs = append(recs, kafkaEvent(prefix, i, step, ts))
			}
			results := cl.ProduceSync(ctx, recs...)
			if err := results.FirstErr(); err != nil {
				return nil, err
			}
			for _, r := range results {
				end[r.Record.Partition] = max(end[r.Record.Partition], r.Record.Offset+1)
			}
			if tick > 0 && !sleepUntil(ctx, time.Now().Add(tick)) {
				return nil, ctx.Err()
			}
		}
	}
	return end, nil
}

// groupOffsets are the committed offsets of group on topic orders.
func groupOffsets(t *testing.T, cl *kgo.Client, group string) map[int32]int64 {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	for _, tp := range resp.Topics {
		for _, p := range tp.Partitions {
			if p.Offset >= 0 {
				out[p.Partition] = p.Offset
			}
		}
	}
	return out
}

// TestKafkaCrashExactlyOnce: 1,000 lifecycles taken from 6 Kafka
// partitions by the real binary, killed with SIGKILL twice mid-stream and
// restarted under the same instance.name, then stopped with SIGTERM. Every
// order ends with exactly one output per stage and the right state, no
// dead letter, and the group's offsets are committed to the end of every
// partition.
func TestKafkaCrashExactlyOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	brokers, producer := kafkaCluster(t, 6)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	args := []string{"--ingest.kafka.enabled", "true", "--ingest.kafka.brokers", brokers, "--instance.name", "kafka-1"}
	r := newCrashRig(t)
	r.start(args...)
	r.connect()
	const orders = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type result struct {
		end map[int32]int64
		err error
	}
	produced := make(chan result, 1)
	go func() {
		end, err := produceLifecycles(ctx, producer, "KAFKA", orders, 150*time.Millisecond)
		produced <- result{end, err}
	}()
	for kill := range 2 {
		d := time.Duration(300+rng.IntN(900)) * time.Millisecond
		sleepUntil(ctx, time.Now().Add(d)) // a random moment of the run
		r.signal(syscall.SIGKILL)
		t.Logf("kill %d: SIGKILL after %v", kill+1, d)
		r.start(args...)
	}
	res := <-produced
	if res.err != nil {
		t.Fatal(res.err)
	}
	pipelinetest.WaitFor(t, 45*time.Second, func() error {
		if got := groupOffsets(t, producer, "ordertrack"); fmt.Sprint(got) != fmt.Sprint(res.end) {
			return fmt.Errorf("committed %v, want %v", got, res.end)
		}
		return nil
	})
	r.waitIdle(30 * time.Second)
	r.checkExactlyOnce(map[string]int{"KAFKA": orders})
	b := r.proc
	if took := r.signal(syscall.SIGTERM); b.cmd.ProcessState.ExitCode() != 0 || took > 10*time.Second {
		t.Errorf("SIGTERM: exit status %d after %v:\n%s", b.cmd.ProcessState.ExitCode(), took, tail(b.out.String(), 2000))
	}
}

// TestRunTakesEventsFromKafka: run with ingest.kafka.enabled takes
// lifecycles from Kafka into the pipeline (one output per event), says so
// after the banner, and health checks the brokers, the topic and the group
// (and fails naming a topic that does not exist).
func TestRunTakesEventsFromKafka(t *testing.T) {
	t.Parallel()
	brokers, producer := kafkaCluster(t, 2)
	kafkaArgs := []string{"--ingest.kafka.enabled", "true", "--ingest.kafka.brokers", brokers}
	s := startMain(t, append(append(runArgs(t.TempDir()), "--generator.enabled", "false"), kafkaArgs...)...)
	waitOutput(t, s.out, pipelinetest.WaitTimeout(), "Kafka: group ordertrack on orders at "+brokers)
	ctx, cancel := context.WithTimeout(context.Background(), pipelinetest.WaitTimeout())
	defer cancel()
	if _, err := produceLifecycles(ctx, producer, "K", 10, 0); err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if n, unique := countUpdatesUnique(t, s.info.NATSURL); n != 40 || unique != 40 {
			return fmt.Errorf("%d outputs (%d unique), want 40", n, unique)
		}
		return nil
	})
	health := append([]string{"health", "--nats.url", s.info.NATSURL, "--streaming.partitions", "4"}, kafkaArgs...)
	code, out, _ := runCommand(t, health...)
	if want := "[ok]   Kafka: 1 brokers; topics orders (2 partitions); group ordertrack stable, 1 members"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("health: exit %d, output lacks %q:\n%s", code, want, out)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		code, out, errs := runCommand(t, "status", "--json", "--interval", "100ms", "--nats.url", s.info.NATSURL, "--streaming.partitions", "4")
		var st struct {
			Ingest []ownership.Source `json:"ingest"`
		}
		if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
			return fmt.Errorf("status --json: exit %d, %v: %s%s", code, err, out, errs)
		}
		if len(st.Ingest) != 1 {
			return fmt.Errorf("ingest %+v, want the kafka source", st.Ingest)
		}
		src := st.Ingest[0]
		if src.Source != "kafka" || src.State != "running" || src.Stored != 40 || src.Group != "ordertrack" ||
			len(src.Partitions) != 2 || src.Instance == "" {
			return fmt.Errorf("ingest %+v", src)
		}
		for _, p := range src.Partitions {
			if p.Lag != 0 || p.Committed < 0 {
				return fmt.Errorf("partition %+v: want committed, lag 0", p)
			}
		}
		return nil
	})
	if code, out, _ := runCommand(t, "status", "--interval", "100ms", "--nats.url", s.info.NATSURL, "--streaming.partitions", "4"); code != 0 ||
		!strings.Contains(out, "Ingest:     1 sources\n  kafka on ") || !strings.Contains(out, "stored 40, dead-lettered 0") {
		t.Errorf("status: exit %d:\n%s", code, out)
	}
	code, out, _ = runCommand(t, append(health, "--ingest.kafka.topics", "orders,returns")...)
	if want := "topic returns: UNKNOWN_TOPIC_OR_PARTITION"; code == 0 || !strings.Contains(out, want) {
		t.Errorf("health with a missing topic: exit %d, output lacks %q:\n%s", code, want, out)
	}
}

// kafkaCluster starts an in-process Kafka cluster (kfake, one broker) with
// the topic "orders" of the given partitions, and a producer to it; both
// end with the test. It returns the brokers as a flag value.
func kafkaCluster(t *testing.T, partitions int32) (string, *kgo.Client) {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	producer, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(producer.Close)
	return strings.Join(cluster.ListenAddrs(), ","), producer
}
