package kafka

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Back-off between publish rounds while NATS cannot store.
const (
	retryFirst = 100 * time.Millisecond
	retryMax   = 5 * time.Second
)

// batch is one poll's records made into messages, in poll order (offset
// order within each partition).
type batch struct {
	recs []rec
	// next is each partition's offset to commit once every record of the
	// batch is stored; settle lowers it to the first record not stored.
	next map[partition]kgo.EpochOffset
}

// rec is one record's message and what storing it counts as.
type rec struct {
	p      partition
	offset kgo.EpochOffset // the record's own
	msg    *nats.Msg
	result string // ingest.ResultStored or ResultDeadLettered
	ack    jetstream.PubAckFuture
	stored bool
}

// prepare turns the fetched records into messages: the mapped event on
// its order's subject, or the record's bytes as a dead letter.
func (s *Source) prepare(fetches kgo.Fetches) *batch {
	b := &batch{next: map[partition]kgo.EpochOffset{}}
	if n := fetches.NumRecords(); n > 0 {
		b.recs = make([]rec, 0, n)
	}
	now := s.opts.Now()
	fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
		if len(fp.Records) == 0 {
			return
		}
		p := partition{fp.Topic, fp.Partition}
		for _, r := range fp.Records {
			msg, result := s.message(r, now)
			b.recs = append(b.recs, rec{p: p, offset: kgo.EpochOffset{Epoch: r.LeaderEpoch, Offset: r.Offset}, msg: msg, result: result})
		}
		last := fp.Records[len(fp.Records)-1]
		b.next[p] = kgo.EpochOffset{Epoch: last.LeaderEpoch, Offset: last.Offset + 1}
		s.setLag(p, fp.HighWatermark-(last.Offset+1))
	})
	return b
}

// message is the NATS message of record r, arrived at now.
func (s *Source) message(r *kgo.Record, now time.Time) (*nats.Msg, string) {
	id := derivedID(r)
	p, err := s.mapper.Prepare(r.Value, id, now, s.opts.MaxSkew)
	if err == nil {
		return ingest.EventMsg(s.opts.Topology.EventSubject(p.Event.OrderID), p.Data, p.Event.EventID, true), ingest.ResultStored
	}
	reason, detail := order.ReasonInvalidJSON, err.Error()
	var inv *order.InvalidError
	if errors.As(err, &inv) {
		reason, detail = inv.Reason, inv.Detail
	}
	m := nats.NewMsg(s.opts.Topology.DLQSubject(reason))
	m.Data = r.Value
	m.Header.Set(contract.HeaderReason, string(reason))
	m.Header.Set(contract.HeaderError, strings.NewReplacer("\r", " ", "\n", " ").Replace(detail))
	m.Header.Set(contract.HeaderSource, SourceName)
	m.Header.Set(contract.HeaderKafkaTopic, r.Topic)
	m.Header.Set(contract.HeaderKafkaPartition, strconv.Itoa(int(r.Partition)))
	m.Header.Set(contract.HeaderKafkaOffset, strconv.FormatInt(r.Offset, 10))
	m.Header.Set(jetstream.MsgIDHeader, id)
	return m, ingest.ResultDeadLettered
}

// send publishes every message of b asynchronously, in order; land
// awaits their PubAcks.
func (s *Source) send(b *batch) {
	for i := range b.recs {
		b.recs[i].ack, _ = s.js.PublishMsgAsync(b.recs[i].msg) // nil: failed, land publishes it again
	}
}

// land waits for the PubAcks of a (sent) and adds its offsets to those
// waiting for a commit once every record is stored. It returns next, the
// batch sent after a, still in flight; or nil when a record of a failed:
// next is then awaited too and the records of both not stored are
// published again together, in poll order, fetching paused, with
// back-off, until stored or ctx ends. Offsets are committed only up to a
// partition's first record not stored.
func (s *Source) land(ctx context.Context, a, next *batch) *batch {
	failed, err := s.await(a.recs, 0)
	if len(failed) > 0 && next != nil {
		nf, nerr := s.await(next.recs, len(a.recs))
		if nerr != nil {
			err = nerr
		}
		a.recs = append(a.recs, next.recs...)
		for p, o := range next.next {
			a.next[p] = o
		}
		failed, next = append(failed, nf...), nil
	}
	if len(failed) > 0 {
		s.retry(ctx, a.recs, failed, err)
	}
	s.settle(a)
	s.addPending(a.next)
	return next
}

// await waits for the PubAcks of recs and returns the indexes (plus base)
// of those not stored, with the last error.
func (s *Source) await(recs []rec, base int) ([]int, error) {
	var failed []int
	var last error
	for i := range recs {
		r := &recs[i]
		if r.ack == nil {
			failed, last = append(failed, base+i), errors.New("not published")
			continue
		}
		select {
		case <-r.ack.Ok():
			r.stored = true
		case err := <-r.ack.Err():
			failed, last = append(failed, base+i), err
		}
		r.ack = nil
	}
	return failed, last
}

// retry publishes the records at todo again, fetching paused, with
// back-off, until stored or ctx ends.
func (s *Source) retry(ctx context.Context, recs []rec, todo []int, err error) {
	s.cl.PauseFetchTopics(s.opts.Kafka.Topics...)
	s.setState(StatePaused, "NATS cannot store: "+err.Error())
	wait := retryFirst
	for len(todo) > 0 {
		s.faults.note(s.log, "NATS cannot store Kafka records; fetching paused, retrying", err, "records", len(todo))
		if !contract.SleepUntil(ctx, time.Now().Add(wait)) {
			break
		}
		var failed []int
		failed, err = s.publish(recs, todo)
		wait, todo = min(2*wait, retryMax), failed
	}
	s.cl.ResumeFetchTopics(s.opts.Kafka.Topics...)
	if len(todo) > 0 {
		return // stopping
	}
	s.setState(StateRunning, "")
	s.faults.recovered(s.log, "NATS stores again; fetching resumed")
}

// publish sends the messages at idx asynchronously and waits for their
// PubAcks; it returns those not stored and the last error.
func (s *Source) publish(recs []rec, idx []int) ([]int, error) {
	var last error
	for _, i := range idx {
		recs[i].ack, last = s.js.PublishMsgAsync(recs[i].msg)
	}
	var failed []int
	for _, i := range idx {
		f, err := s.await(recs[i:i+1], i)
		failed = append(failed, f...)
		if err != nil {
			last = err
		}
	}
	return failed, last
}

// settle counts what b stored and lowers each partition's next offset to
// its first record not stored.
func (s *Source) settle(b *batch) {
	counts := map[string]int{}
	for _, r := range b.recs {
		if !r.stored {
			if n, ok := b.next[r.p]; ok && r.offset.Offset < n.Offset {
				b.next[r.p] = r.offset
			}
			continue
		}
		counts[r.result]++
	}
	for result, n := range counts {
		s.opts.Metrics.Count(SourceName, result, n)
	}
	s.mu.Lock()
	s.status.Stored += int64(counts[ingest.ResultStored])
	s.status.DeadLettered += int64(counts[ingest.ResultDeadLettered])
	s.mu.Unlock()
}
