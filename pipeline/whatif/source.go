package whatif

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Sink takes recorded events in stored order: a *Replay, or what keeps
// them to replay later.
type Sink interface {
	Add(in Input)
}

// pullBatch is how many messages the reader asks the server for at once.
const pullBatch = 4096

// PullOptions are the pull settings of ReadStream's ordered consumer.
func PullOptions() []jetstream.PullMessagesOpt {
	return []jetstream.PullMessagesOpt{jetstream.PullMaxMessages(pullBatch)}
}

// ReadStream feeds r with the events of stream (ORDER_EVENTS) stored since
// since (zero: all), in stored order, up to the last one present when it
// starts. progress, if set, is called with the events read and the total.
func ReadStream(ctx context.Context, js jetstream.JetStream, stream string, since time.Time, r Sink, progress func(done, total uint64)) error {
	cfg := jetstream.OrderedConsumerConfig{}
	if !since.IsZero() {
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	c, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return fmt.Errorf("read %s: %w (is the pipeline provisioned?)", stream, err)
	}
	defer func() { _ = contract.RemoveConsumer(ctx, js, stream, c) }()
	info, err := c.Info(ctx)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	total := info.NumPending
	if total == 0 {
		return nil
	}
	it, err := c.Messages(PullOptions()...)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	defer it.Stop()
	for done := uint64(0); done < total; {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := it.Next()
		if err != nil {
			return fmt.Errorf("read %s after %d of %d events: %w", stream, done, total, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		subj := m.Subject()
		r.Add(Input{Data: m.Data(), OrderID: subj[strings.LastIndexByte(subj, '.')+1:], Stored: md.Timestamp})
		done++
		if progress != nil && (done%4096 == 0 || done == total) {
			progress(done, total)
		}
	}
	return nil
}

// ReadLines feeds r with JSON-lines events (one event per line, as
// producers publish them). An event's stored time is its own timestamp (or
// the previous line's when it has none), and its order id is its own; a
// line that is not a JSON object counts as invalid.
func ReadLines(in io.Reader, r *Replay) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	var last time.Time
	var slab []byte // lines are copied into shared blocks: one allocation per ~1 MiB
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if cap(slab)-len(slab) < len(line) {
			slab = make([]byte, 0, max(1<<20, len(line)))
		}
		slab = append(slab, line...)
		data := slab[len(slab)-len(line) : len(slab) : len(slab)]
		id, at := order.Peek(data)
		if at.IsZero() {
			at = last
		}
		last = at
		r.Add(Input{Data: data, OrderID: id, Stored: at})
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read events: %w", err)
	}
	return nil
}
