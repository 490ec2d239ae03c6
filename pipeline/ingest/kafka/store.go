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
	// batch is stored; store lowers it to the first record not stored.
	next map[partition]kgo.EpochOffset
}

// rec is one record's message and what storing it counts as.
type rec struct {
	p      partition
	offset kgo.EpochOffset // the record's own
	msg    *nats.Msg
	result string // ingest.ResultStored or ResultDeadLettered
	stored bool
}

// prepare turns the fetched records into messages: the mapped event on
// its order's subject, or the record's bytes as a dead letter.
func (s *Source) prepare(fetches kgo.Fetches) batch {
	b := batch{next: map[partition]kgo.EpochOffset{}}
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

// store publishes every message of b, all in flight at once, and waits
// for their PubAcks. What fails is published again, fetching paused,
// with back-off, until stored or ctx ends; b.next is then lowered to the
// first record of each partition that is not stored.
func (s *Source) store(ctx context.Context, b batch) {
	todo := make([]int, len(b.recs))
	for i := range todo {
		todo[i] = i
	}
	wait, paused := retryFirst, false
	for len(todo) > 0 {
		failed, err := s.publish(b.recs, todo)
		if len(failed) == 0 {
			break
		}
		if !paused {
			paused = true
			s.cl.PauseFetchTopics(s.opts.Kafka.Topics...)
			s.setState(StatePaused, "NATS cannot store: "+err.Error())
		}
		s.faults.note(s.log, "NATS cannot store Kafka records; fetching paused, retrying", err, "records", len(failed))
		if !contract.SleepUntil(ctx, time.Now().Add(wait)) {
			break
		}
		wait, todo = min(2*wait, retryMax), failed
	}
	if paused {
		s.cl.ResumeFetchTopics(s.opts.Kafka.Topics...)
		s.setState(StateRunning, "")
		s.faults.recovered(s.log, "NATS stores again; fetching resumed")
	}
	s.settle(b)
}

// publish sends the messages at idx asynchronously and waits for their
// PubAcks; it returns those not stored and the last error.
func (s *Source) publish(recs []rec, idx []int) ([]int, error) {
	futures := make([]jetstream.PubAckFuture, len(idx))
	var failed []int
	var last error
	for k, i := range idx {
		f, err := s.js.PublishMsgAsync(recs[i].msg)
		if err != nil {
			last = err
			continue
		}
		futures[k] = f
	}
	for k, i := range idx {
		f := futures[k]
		if f == nil {
			failed = append(failed, i)
			continue
		}
		select {
		case <-f.Ok():
			recs[i].stored = true
		case err := <-f.Err():
			last = err
			failed = append(failed, i)
		}
	}
	return failed, last
}

// settle counts what b stored and lowers each partition's next offset to
// its first record not stored.
func (s *Source) settle(b batch) {
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
