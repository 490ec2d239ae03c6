package kv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options configure the bucket.
type Options struct {
	Bucket    string        // bucket name; default "ORDERS"
	Replicas  int           // stream replicas; default 1
	MarkerTTL time.Duration // how long expiry markers stay; default 1m
}

// Store is an order-state bucket.
type Store struct {
	js     jetstream.JetStream
	bucket string
	stream jetstream.Stream
	prefix string // "$KV.<bucket>."
}

// Entry is a key's value and revision. Found is false for keys without a
// value; Revision is then the revision a Create must compare against.
type Entry struct {
	Key      string
	Value    []byte
	Revision uint64
	Found    bool
}

// Open creates the bucket, or verifies an existing one against opts.
func Open(ctx context.Context, js jetstream.JetStream, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	kvs, err := js.KeyValue(ctx, opts.Bucket)
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound):
		_, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: opts.Bucket, History: 1, Storage: jetstream.FileStorage,
			Replicas: opts.Replicas, LimitMarkerTTL: opts.MarkerTTL,
			Description: "ordertrack order states (key = order id)",
		})
		if err != nil {
			return nil, fmt.Errorf("create bucket %s: %w", opts.Bucket, err)
		}
	case err != nil:
		return nil, fmt.Errorf("open bucket %s: %w", opts.Bucket, err)
	default:
		if err := verify(ctx, kvs, opts); err != nil {
			return nil, err
		}
	}
	stream, err := js.Stream(ctx, StreamName(opts.Bucket))
	if err != nil {
		return nil, fmt.Errorf("open bucket stream %s: %w", StreamName(opts.Bucket), err)
	}
	return &Store{js: js, bucket: opts.Bucket, stream: stream, prefix: KeySubject(opts.Bucket, "")}, nil
}

func (o Options) withDefaults() Options {
	if o.Bucket == "" {
		o.Bucket = "ORDERS"
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.MarkerTTL == 0 {
		o.MarkerTTL = time.Minute
	}
	return o
}

func verify(ctx context.Context, kvs jetstream.KeyValue, opts Options) error {
	st, err := kvs.Status(ctx)
	if err != nil {
		return fmt.Errorf("inspect bucket %s: %w", opts.Bucket, err)
	}
	info := st.(*jetstream.KeyValueBucketStatus).StreamInfo()
	if got := info.Config.Replicas; got != opts.Replicas {
		return fmt.Errorf("%w: bucket %s has %d replicas, config nats.replicas says %d; change the config or recreate the bucket (nats kv rm %s)",
			ErrBucketConflict, opts.Bucket, got, opts.Replicas, opts.Bucket)
	}
	if st.LimitMarkerTTL() == 0 {
		return fmt.Errorf("%w: bucket %s was created without limit markers, needed for per-order TTLs; recreate it (nats kv rm %s)",
			ErrBucketConflict, opts.Bucket, opts.Bucket)
	}
	return nil
}

// Bucket returns the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// Get returns the key's entry. A key without a value returns Found false and
// the revision to compare against, not an error.
func (s *Store) Get(ctx context.Context, key string) (Entry, error) {
	m, err := s.stream.GetLastMsgForSubject(ctx, s.prefix+key)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Entry{Key: key}, nil
	}
	if err != nil {
		return Entry{}, fmt.Errorf("get order %s: %w", key, err)
	}
	e := Entry{Key: key, Revision: m.Sequence}
	if isValue(m.Header) {
		e.Value, e.Found = m.Data, true
	}
	return e, nil
}

// isValue tells a value from a delete, purge or expiry marker.
func isValue(h nats.Header) bool {
	if h == nil {
		return true
	}
	op := h.Get("KV-Operation")
	return op != "DEL" && op != "PURGE" && h.Get("Nats-Marker-Reason") == ""
}

// Write is an asynchronous compare-and-set in flight.
type Write struct {
	key string
	rev uint64 // the expected revision
	f   jetstream.PubAckFuture
}

// StallWait is how long an asynchronous write waits for room when the
// connection's window of unacknowledged publishes is full. Waiting is the
// backpressure a busy server needs; the default (200ms) turns it into
// errors and retried batches.
const StallWait = 10 * time.Second

// WriteAsync starts a compare-and-set of key to value, expecting revision rev
// (0: the key must never have been written, or have been removed entirely).
// ttl > 0 makes the key expire that long after this write.
func (s *Store) WriteAsync(key string, value []byte, rev uint64, ttl time.Duration) (*Write, error) {
	opts := []jetstream.PublishOpt{jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithStallWait(StallWait)}
	if ttl > 0 {
		opts = append(opts, jetstream.WithMsgTTL(ttl))
	}
	f, err := s.js.PublishAsync(s.prefix+key, value, opts...)
	if err != nil {
		return nil, fmt.Errorf("write order %s: %w", key, err)
	}
	return &Write{key: key, rev: rev, f: f}, nil
}

// Wait returns the new revision once the write is stored; if the revision
// did not match, ErrKeyExists (a create) or ErrStaleRevision (an update),
// both wrapping ErrConflict; or another error.
func (w *Write) Wait(ctx context.Context) (uint64, error) {
	select {
	case ack := <-w.f.Ok():
		return ack.Sequence, nil
	case err := <-w.f.Err():
		if isConflict(err) && w.rev == 0 {
			return 0, fmt.Errorf("create order %s: %w", w.key, ErrKeyExists)
		}
		if isConflict(err) {
			return 0, fmt.Errorf("update order %s at revision %d: %w", w.key, w.rev, ErrStaleRevision)
		}
		return 0, fmt.Errorf("write order %s: %w", w.key, err)
	case <-ctx.Done():
		return 0, fmt.Errorf("write order %s: %w", w.key, ctx.Err())
	}
}

func isConflict(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}
