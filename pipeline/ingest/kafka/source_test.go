package kafka

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestGoodAndBadRecords: good records interleaved with bad ones on three
// partitions. Every good one is stored once in ORDER_EVENTS in offset
// order, with its own event_id or kafka:<topic>:<partition>:<offset> as
// Nats-Msg-Id and event_id; every bad one is in ORDER_DLQ with its
// original bytes and the Kafka headers; the offsets are committed to the
// end of each partition.
func TestGoodAndBadRecords(t *testing.T) {
	k := setup(t, 3)
	bad := map[string]string{ // value -> reason
		`{"order_id":"B-1",`:                             "invalid_json",
		`{"event_type":"ORDER_PLACED"}`:                  "missing_order_id",
		`{"order_id":"B-2","event_type":"ORDER_LOST"}`:   "unknown_event_type",
		`{"order_id":"B 3","event_type":"ORDER_PLACED"}`: "invalid_order_id",
		``: "invalid_json",
	}
	badValues := []string{`{"order_id":"B-1",`, `{"event_type":"ORDER_PLACED"}`, `{"order_id":"B-2","event_type":"ORDER_LOST"}`,
		`{"order_id":"B 3","event_type":"ORDER_PLACED"}`, ``}
	const perPartition = 40
	for p := range int32(3) {
		var values []string
		for i := range perPartition {
			id := fmt.Sprintf("P%d-%03d", p, i)
			switch {
			case i%8 == 3:
				values = append(values, badValues[(i/8+int(p))%len(badValues)])
			case i%5 == 0:
				values = append(values, fmt.Sprintf(`{"event_id":"own-%s","order_id":%q,"event_type":"ORDER_PLACED"}`, id, id))
			default:
				values = append(values, event(id, "ORDER_PLACED"))
			}
		}
		k.send(p, values...)
	}
	src := k.start(k.stableOptions())

	const badPer = perPartition / 8 // i = 3, 11, 19, 27, 35
	events := k.stored(contract.EventsStream, 3*(perPartition-badPer))
	byPartition := checkOffsetOrder(t, events)
	own := 0
	for _, m := range events {
		id := m.Headers().Get(jetstream.MsgIDHeader)
		var body struct {
			EventID string `json:"event_id"`
		}
		if err := jsonUnmarshal(m.Data(), &body); err != nil || body.EventID != id {
			t.Errorf("stored event %s has event_id %q, Nats-Msg-Id %q", m.Data(), body.EventID, id)
		}
		if _, _, ok := coordinates(id); !ok {
			own++
		}
	}
	const ownPer = perPartition/5 - 1 // i = 0, 5, ..., 30; 35 is bad
	if own != 3*ownPer {
		t.Errorf("%d events kept their own event_id, want %d", own, 3*ownPer)
	}
	for p := range int32(3) {
		if got := len(byPartition[p]); got != perPartition-badPer-ownPer {
			t.Errorf("partition %d: %d events with derived ids, want %d", p, got, perPartition-badPer-ownPer)
		}
	}

	letters := k.stored(contract.DLQStream, 3*badPer)
	for _, m := range letters {
		h := m.Headers()
		value := string(m.Data())
		p, _ := strconv.Atoi(h.Get(contract.HeaderKafkaPartition))
		off, _ := strconv.Atoi(h.Get(contract.HeaderKafkaOffset))
		if off%8 != 3 || badValues[(off/8+p)%len(badValues)] != value {
			t.Errorf("dead letter at %d/%d holds %q", p, off, value)
		}
		if h.Get(contract.HeaderReason) != bad[value] || h.Get(contract.HeaderSource) != "kafka" ||
			h.Get(contract.HeaderKafkaTopic) != topic || h.Get(contract.HeaderError) == "" ||
			m.Subject() != k.topo.DLQSubject(orderReason(bad[value])) ||
			h.Get(jetstream.MsgIDHeader) != fmt.Sprintf("kafka:%s:%d:%d", topic, p, off) {
			t.Errorf("dead letter %q on %s: headers %v", value, m.Subject(), h)
		}
	}
	k.waitCommitted(map[int32]int64{0: perPartition, 1: perPartition, 2: perPartition})
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		st := src.Status()
		if st.Stored != 3*(perPartition-badPer) || st.DeadLettered != 3*badPer || st.State != StateRunning {
			return fmt.Errorf("status %+v", st)
		}
		return nil
	})
	want := fmt.Sprintf(`
# HELP ordertrack_ingest_records_total Records (Kafka records, HTTP events) a source took in, by result: stored in ORDER_EVENTS, dead_lettered in ORDER_DLQ, ignored (e.g. a Shopify topic without an event).
# TYPE ordertrack_ingest_records_total counter
ordertrack_ingest_records_total{result="dead_lettered",source="kafka"} %d
ordertrack_ingest_records_total{result="stored",source="kafka"} %d
# HELP ordertrack_ingest_kafka_lag Records behind the end of a Kafka partition this instance owns, at its last fetch.
# TYPE ordertrack_ingest_kafka_lag gauge
ordertrack_ingest_kafka_lag{partition="0",topic="orders"} 0
ordertrack_ingest_kafka_lag{partition="1",topic="orders"} 0
ordertrack_ingest_kafka_lag{partition="2",topic="orders"} 0
`, 3*badPer, 3*(perPartition-badPer))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(k.metrics, src)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

// TestForeignShape: with ingest.mapping, a shop's own JSON is stored as
// section 3's event; a type value the mapping does not list is
// dead-lettered unknown_event_type with the original bytes.
func TestForeignShape(t *testing.T) {
	k := setup(t, 1)
	k.cfg.Ingest.Mapping = config.Mapping{OrderID: "order.id", EventType: "type", Timestamp: "at", EventID: "id",
		Price: "order.total", EventTypes: []config.EventTypeValue{{Value: "created", EventType: "ORDER_PLACED"}}}
	k.send(0, `{"id":"x1","type":"created","at":1767340800,"order":{"id":42,"total":"19.90"}}`,
		`{"type":"created","at":1767340800500,"order":{"id":"A-7"}}`,
		`{"id":"x3","type":"refunded","order":{"id":"A-7"}}`)
	k.start(k.options())
	events := k.stored(contract.EventsStream, 2)
	want := []string{
		`{"event_id":"x1","order_id":"42","event_type":"ORDER_PLACED","price":19.9,"timestamp":"2026-01-02T08:00:00Z"}`,
		`{"event_id":"kafka:orders:0:1","order_id":"A-7","event_type":"ORDER_PLACED","timestamp":"2026-01-02T08:00:00.5Z"}`,
	}
	for i, m := range events {
		if string(m.Data()) != want[i] {
			t.Errorf("event %d = %s\nwant %s", i, m.Data(), want[i])
		}
	}
	letter := k.stored(contract.DLQStream, 1)[0]
	if string(letter.Data()) != `{"id":"x3","type":"refunded","order":{"id":"A-7"}}` ||
		letter.Headers().Get(contract.HeaderReason) != "unknown_event_type" || letter.Headers().Get(contract.HeaderKafkaOffset) != "2" {
		t.Errorf("dead letter %s %v", letter.Data(), letter.Headers())
	}
	k.waitCommitted(map[int32]int64{0: 3})
}

// TestNATSOutage: NATS stops while records wait; the source pauses
// fetching, holds its batch, and once NATS is back stores every record
// once and commits to the end.
func TestNATSOutage(t *testing.T) {
	k := setup(t, 2)
	src := k.start(k.stableOptions())
	k.send(0, event("N-0", "ORDER_PLACED"))
	k.stored(contract.EventsStream, 1)

	dir := k.nats.Server.StoreDir()
	addr := k.nats.Server.Addr()
	k.nats.Server.Shutdown()
	k.nats.Server.WaitForShutdown()
	for i := range 200 {
		k.send(int32(i%2), event(fmt.Sprintf("N-%03d", i+1), "ORDER_PLACED"))
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if st := src.Status(); st.State != StatePaused {
			return fmt.Errorf("state %s, want paused", st.State)
		}
		return nil
	})
	if why := src.Stalled(0); !strings.Contains(why, "kafka source paused") || !strings.Contains(why, "NATS cannot store") {
		t.Errorf("Stalled while NATS is down = %q", why)
	}
	if c := k.committed(); c[0]+c[1] != 1 {
		t.Errorf("committed %v while NATS was down; want only the first record", c)
	}
	k.nats.Server = pipelinetest.RunServer(t, trimJetStream(dir), addrPort(addr))
	events := k.stored(contract.EventsStream, 201)
	checkOffsetOrder(t, events)
	k.waitCommitted(map[int32]int64{0: 101, 1: 100})
	if st := src.Status(); st.State != StateRunning || st.Stored != 201 || src.Stalled(0) != "" {
		t.Errorf("status after the outage %+v, stalled %q", st, src.Stalled(0))
	}
}

// TestCommitAndCoordinatorFaults: the broker refuses the first offset
// commits (kfake ControlKey on OffsetCommit) and the coordinator lookup
// fails once; the source retries, stores every record once and commits
// to the end.
func TestCommitAndCoordinatorFaults(t *testing.T) {
	k := setup(t, 2)
	failCommits, failFind := 3, 1
	k.kafka.ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
		k.kafka.KeepControl()
		if failCommits == 0 {
			return nil, nil, false
		}
		failCommits--
		r := req.(*kmsg.OffsetCommitRequest)
		resp := r.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, tp := range r.Topics {
			rt := kmsg.NewOffsetCommitResponseTopic()
			rt.Topic = tp.Topic
			for _, p := range tp.Partitions {
				rp := kmsg.NewOffsetCommitResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, kerr.RebalanceInProgress.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
	k.kafka.ControlKey(int16(kmsg.FindCoordinator), func(req kmsg.Request) (kmsg.Response, error, bool) {
		k.kafka.KeepControl()
		if failFind == 0 {
			return nil, nil, false
		}
		failFind--
		r := req.(*kmsg.FindCoordinatorRequest)
		resp := r.ResponseKind().(*kmsg.FindCoordinatorResponse)
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
		for _, key := range r.CoordinatorKeys {
			c := kmsg.NewFindCoordinatorResponseCoordinator()
			c.Key, c.ErrorCode = key, kerr.CoordinatorNotAvailable.Code
			resp.Coordinators = append(resp.Coordinators, c)
		}
		return resp, nil, true
	})
	for i := range 50 {
		k.send(int32(i%2), event(fmt.Sprintf("F-%03d", i), "ORDER_PLACED"))
	}
	k.start(k.options())
	checkOffsetOrder(t, k.stored(contract.EventsStream, 50))
	k.waitCommitted(map[int32]int64{0: 25, 1: 25})
	if failCommits != 0 || failFind != 0 {
		t.Errorf("faults left uninjected: commits %d, coordinator %d", failCommits, failFind)
	}
}

// TestGroupSessionLostAndJoinedAgain: the coordinator answers one
// heartbeat with UNKNOWN_MEMBER_ID (the member was fenced, as after a
// pause longer than the session timeout); the client joins again and
// kgo reports the loss once as a fetch error. The status shows it, and
// drops it once records are fetched again: a source that works is not
// reported stalled.
func TestGroupSessionLostAndJoinedAgain(t *testing.T) {
	k := setup(t, 1)
	var fence atomic.Bool
	k.kafka.ControlKey(int16(kmsg.Heartbeat), func(req kmsg.Request) (kmsg.Response, error, bool) {
		k.kafka.KeepControl()
		if !fence.CompareAndSwap(true, false) {
			return nil, nil, false
		}
		resp := req.(*kmsg.HeartbeatRequest).ResponseKind().(*kmsg.HeartbeatResponse)
		resp.ErrorCode = kerr.UnknownMemberID.Code
		return resp, nil, true
	})
	src := k.start(k.options())
	k.send(0, event("G-0", "ORDER_PLACED"))
	k.stored(contract.EventsStream, 1)
	fence.Store(true)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if st := src.Status(); !strings.Contains(st.Error, "UNKNOWN_MEMBER_ID") {
			return fmt.Errorf("status error %q, want the lost group session", st.Error)
		}
		return nil
	})
	k.send(0, event("G-1", "ORDER_PLACED"))
	k.stored(contract.EventsStream, 2)
	k.waitCommitted(map[int32]int64{0: 2})
	if st := src.Status(); st.State != StateRunning || st.Error != "" || src.Stalled(0) != "" {
		t.Errorf("status once records are fetched again %+v, stalled %q", st, src.Stalled(0))
	}
}
