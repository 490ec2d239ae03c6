package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// letter is one message of ORDER_DLQ.
type letter struct {
	Subject string
	Header  nats.Header
	Data    []byte
	Seq     uint64
	Time    time.Time
}

// deadLetters returns every message on ORDER_DLQ in stream order.
func (e *env) deadLetters() []letter {
	e.t.Helper()
	var out []letter
	for _, m := range pipelinetest.ReadStream(e.t, e.js, contract.DLQStream, jetstream.OrderedConsumerConfig{}) {
		md, err := m.Metadata()
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, letter{Subject: m.Subject(), Header: m.Headers(), Data: m.Data(), Seq: md.Sequence.Stream, Time: md.Timestamp})
	}
	return out
}

// publishSeq publishes raw bytes and returns the stream sequence they got.
func (e *env) publishSeq(subject string, data []byte) uint64 {
	e.t.Helper()
	ack, err := e.js.Publish(context.Background(), subject, data)
	if err != nil {
		e.t.Fatalf("publish %d bytes to %s: %v", len(data), subject, err)
	}
	return ack.Sequence
}

// checkLetter asserts the subject, headers and untouched body of the dead
// letter of the input stored at seq on subject (the producer's subject).
func checkLetter(t *testing.T, topo contract.Topology, l letter, reason order.Reason, subject string, seq uint64, body []byte) {
	t.Helper()
	id := contract.OrderFromSubject(subject)
	stored := topo.StoredEventSubject(id)
	if l.Subject != "orders.dlq."+string(reason) {
		t.Errorf("%s: subject %s", reason, l.Subject)
	}
	if got := l.Header.Get(contract.HeaderReason); got != string(reason) {
		t.Errorf("%s: Ordertrack-Reason %q", reason, got)
	}
	if got := l.Header.Get(contract.HeaderError); strings.TrimSpace(got) == "" {
		t.Errorf("%s: empty Ordertrack-Error", reason)
	}
	if got := l.Header.Get(contract.HeaderSourceSubject); got != stored {
		t.Errorf("%s: Ordertrack-Source-Subject %q, want %q", reason, got, stored)
	}
	if got := l.Header.Get(contract.HeaderSourceSeq); got != strconv.FormatUint(seq, 10) {
		t.Errorf("%s: Ordertrack-Source-Seq %q, want %d", reason, got, seq)
	}
	if got := l.Header.Get(jetstream.MsgIDHeader); got != fmt.Sprintf("dlq:%s:%d", contract.EventsStream, seq) {
		t.Errorf("%s: Nats-Msg-Id %q", reason, got)
	}
	if !bytes.Equal(l.Data, body) {
		t.Errorf("%s: body changed: %d bytes %.80q, want %d bytes %.80q", reason, len(l.Data), l.Data, len(body), body)
	}
}

// TestDeadLetterEveryReason publishes one input of each reason of SPEC
// section 7 (but max_deliveries) between the valid events of one order:
// each becomes a dead letter with the original bytes, and the order's
// lifecycle around them is processed normally.
func TestDeadLetterEveryReason(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	e.start(pipeline.Options{})
	const id = "DLQ-1"
	subj := testTopo.EventSubject(id)
	now := time.Now().UTC()
	ts := now.Add(-time.Minute).Format(time.RFC3339Nano)
	valid := func(typ string) []byte {
		return fmt.Appendf(nil, `{"order_id":%q,"event_type":%q,"timestamp":%q,"item_name":"Blue Jeans","customer_id":"CUST-1"}`, id, typ, ts)
	}
	bad := []struct {
		reason  order.Reason
		subject string
		body    []byte
	}{
		{order.ReasonTooLarge, subj, fmt.Appendf(nil, `{"order_id":%q,"event_type":"ITEM_SHIPPED","item_name":%q}`, id, strings.Repeat("x", 70_000))},
		{order.ReasonInvalidJSON, subj, []byte(`{"order_id":"DLQ-1","event_type":`)},
		{order.ReasonInvalidJSON, subj, []byte("\xff\xfe binary \x00 junk")},
		{order.ReasonInvalidJSON, subj, []byte(`{"order_id":"DLQ-1","event_type":"ITEM_SHIPPED","item_name":"Jeans ` + "\xff\xc3(" + `"}`)},
		{order.ReasonMissingOrderID, subj, []byte(`{"event_type":"ITEM_SHIPPED"}`)},
		{order.ReasonInvalidOrderID, subj, []byte(`{"order_id":"DLQ 1!","event_type":"ITEM_SHIPPED"}`)},
		{order.ReasonInvalidOrderID, subj, []byte(`{"order_id":42,"event_type":"ITEM_SHIPPED"}`)},
		{order.ReasonSubjectMismatch, subj, []byte(`{"order_id":"DLQ-OTHER","event_type":"ITEM_SHIPPED"}`)},
		{order.ReasonUnknownEventType, subj, []byte(`{"order_id":"DLQ-1","event_type":"ORDER_LOST"}`)},
		{order.ReasonInvalidTimestamp, subj, []byte(`{"order_id":"DLQ-1","event_type":"ITEM_SHIPPED","timestamp":"yesterday"}`)},
		{order.ReasonFutureTimestamp, subj, fmt.Appendf(nil, `{"order_id":"DLQ-1","event_type":"ITEM_SHIPPED","timestamp":%q}`, now.Add(time.Hour).Format(time.RFC3339))},
		{order.ReasonInvalidField, subj, []byte(`{"order_id":"DLQ-1","event_type":"ITEM_SHIPPED","quantity":-1}`)},
		{order.ReasonInvalidField, subj, []byte(`{"order_id":"DLQ-1","event_type":"ITEM_SHIPPED","price":"cheap"}`)},
	}
	seqs := make([]uint64, len(bad))
	e.publishSeq(subj, valid("ORDER_PLACED"))
	for i, b := range bad {
		seqs[i] = e.publishSeq(b.subject, b.body)
		if i == len(bad)/2 {
			e.publishSeq(subj, valid("PROCESSING_STARTED"))
		}
	}
	e.publishSeq(subj, valid("ITEM_SHIPPED"))
	e.waitIdle()

	letters := e.deadLetters()
	if len(letters) != len(bad) {
		t.Fatalf("%d dead letters, want %d", len(letters), len(bad))
	}
	bySeq := map[string]letter{}
	for _, l := range letters {
		bySeq[l.Header.Get(contract.HeaderSourceSeq)] = l
	}
	for i, b := range bad {
		l, ok := bySeq[strconv.FormatUint(seqs[i], 10)]
		if !ok {
			t.Errorf("%s: no dead letter for input %d", b.reason, seqs[i])
			continue
		}
		checkLetter(t, e.prov.Topology, l, b.reason, b.subject, seqs[i], b.body)
	}

	got := forOrder(e.outputs(), id)
	want := []string{"ORDER_CONFIRMED/ORDER", "PROCESSING_STARTED/PROCESSING", "ITEM_SHIPPED/SHIPPED"}
	if !slices.Equal(types(got), want) {
		t.Errorf("outputs %v, want %v", types(got), want)
	}
	if s, _ := e.state(id); s.Status != order.StageShipped || s.ItemName != "Blue Jeans" {
		t.Errorf("state %s item %q, want SHIPPED with the item of ORDER_PLACED", s.Status, s.ItemName)
	}
	if s, _ := e.state("DLQ-OTHER"); s.Status != order.StageNone {
		t.Errorf("the mismatched event created order DLQ-OTHER: %s", s.Status)
	}
}

// samePartition returns n order ids with prefix on the partition of id.
func samePartition(topo contract.Topology, id, prefix string, n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		c := fmt.Sprintf("%s-%d", prefix, i)
		if topo.Partition(c) == topo.Partition(id) {
			out = append(out, c)
		}
	}
	return out
}

// poison stores a value that is not an order record under an order's key,
// so that every attempt to process one of its events fails.
func (e *env) poison(id string) {
	e.t.Helper()
	w, err := e.prov.Orders.WriteAsync(id, []byte("{garbage"), 0, 0)
	if err == nil {
		_, err = w.Wait(context.Background())
	}
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestPoisonMessageDeadLetteredAfterMaxDeliver makes one order's events
// fail on every delivery: each is dead-lettered as max_deliveries after
// streaming.max_deliver attempts, while orders of the same partition,
// published before, between and after, keep flowing.
func TestPoisonMessageDeadLetteredAfterMaxDeliver(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Streaming.MaxDeliver = 2
	e := setup(t, cfg)
	const bad = "POISON-1"
	e.poison(bad)
	e.start(pipeline.Options{})
	others := samePartition(e.prov.Topology, bad, "FLOW", 6)
	ts := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339Nano)
	for _, id := range others[:3] {
		e.publish(ev{id: id, typ: "ORDER_PLACED", ts: ts})
	}
	body := fmt.Appendf(nil, `{"order_id":%q,"event_type":"ORDER_PLACED","timestamp":%q}`, bad, ts)
	seq := e.publishSeq(testTopo.EventSubject(bad), body)
	for _, id := range others[3:] {
		e.publish(ev{id: id, typ: "ORDER_PLACED", ts: ts})
	}
	var letters []letter
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if letters = e.deadLetters(); len(letters) == 0 {
			return errors.New("the poison message is not dead-lettered")
		}
		return nil
	})
	e.waitIdle()
	letters = e.deadLetters()
	if len(letters) != 1 {
		t.Fatalf("%d dead letters, want 1", len(letters))
	}
	checkLetter(t, e.prov.Topology, letters[0], order.ReasonMaxDeliveries, testTopo.EventSubject(bad), seq, body)
	if msg := letters[0].Header.Get(contract.HeaderError); !strings.Contains(msg, "2") {
		t.Errorf("Ordertrack-Error %q does not say how many deliveries failed", msg)
	}
	outs := e.outputs()
	if got := forOrder(outs, bad); len(got) != 0 {
		t.Errorf("poisoned order produced outputs %v", types(got))
	}
	// The orders published after the poison message did not wait for its
	// retries: they were emitted before it was given up.
	for _, id := range others {
		got := forOrder(outs, id)
		if !slices.Equal(types(got), []string{"ORDER_CONFIRMED/ORDER"}) {
			t.Errorf("%s: outputs %v", id, types(got))
			continue
		}
		if !got[0].EmittedAt.Before(letters[0].Time) {
			t.Errorf("%s emitted at %v, after the poison message was dead-lettered at %v: the partition was blocked",
				id, got[0].EmittedAt, letters[0].Time)
		}
	}
	entry, err := e.prov.Orders.Get(context.Background(), bad)
	if err != nil || string(entry.Value) != "{garbage" {
		t.Errorf("poisoned key was overwritten: %q %v", entry.Value, err)
	}
}

// TestDeadLetterNotLostWhileDLQUnavailable: an invalid input whose dead
// letter cannot be stored (here the ORDER_DLQ stream is missing, as during
// a leader election in a cluster) must be retried, not acked and dropped
// (SPEC section 3: invalid input is never dropped).
func TestDeadLetterNotLostWhileDLQUnavailable(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	if err := e.js.DeleteStream(context.Background(), contract.DLQStream); err != nil {
		t.Fatal(err)
	}
	e.start(pipeline.Options{})
	body := []byte(`{"order_id":"LOST-1","event_type":"ORDER_LOST"}`)
	seq := e.publishSeq(testTopo.EventSubject("LOST-1"), body)
	e.publish(ev{id: "LOST-1", typ: "ORDER_PLACED"})
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if s, _ := e.state("LOST-1"); s.Status != order.StageOrder {
			return fmt.Errorf("the valid event after the invalid one is not processed: LOST-1 status %q", s.Status)
		}
		return nil
	})
	// The stream is back (an operator or the next provisioning run).
	if _, err := contract.Provision(context.Background(), e.js, e.cfg, testLog()); err != nil {
		t.Fatal(err)
	}
	var letters []letter
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if letters = e.deadLetters(); len(letters) == 0 {
			return errors.New("no dead letter stored since ORDER_DLQ is back")
		}
		return nil
	})
	checkLetter(t, e.prov.Topology, letters[0], order.ReasonUnknownEventType, testTopo.EventSubject("LOST-1"), seq, body)
}
