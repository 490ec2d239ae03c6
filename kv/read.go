package kv

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Lookup returns the Store of an existing bucket for reading, creating and
// verifying nothing: ErrBucketNotFound if it does not exist. Readers
// (get, the dashboard, the monitor's scans) use it; the pipeline uses Open.
func Lookup(ctx context.Context, js jetstream.JetStream, bucket string) (*Store, error) {
	stream, err := js.Stream(ctx, StreamName(bucket))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("bucket %s: %w", bucket, ErrBucketNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
	}
	return &Store{js: js, bucket: bucket, stream: stream, prefix: KeySubject(bucket, "")}, nil
}

// Read returns the key's value and revision, or ErrNotFound if it has none
// (never written, deleted or expired).
func (s *Store) Read(ctx context.Context, key string) (Entry, error) {
	e, err := s.Get(ctx, key)
	if err != nil {
		return e, err
	}
	if !e.Found {
		return e, fmt.Errorf("order %s in bucket %s: %w", key, s.bucket, ErrNotFound)
	}
	return e, nil
}

// Scan calls visit with every value stored in the bucket. It streams the
// bucket's current values once (a KV watch that ignores deletes), so it
// costs one read of every stored key and no memory beyond what visit keeps.
// It stops at the end of the initial values or at the first value written
// after it started, whichever comes first: under a steady stream of writes
// the watch's end-of-initial-values marker may not come for a long time.
func (s *Store) Scan(ctx context.Context, visit func(key string, value []byte)) error {
	kvs, err := s.js.KeyValue(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", s.bucket, err)
	}
	last := s.stream.CachedInfo().State.LastSeq // 0: empty when looked up
	if info, err := s.stream.Info(ctx); err == nil {
		last = info.State.LastSeq
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := kvs.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("scan bucket %s: %w", s.bucket, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				return nil // end of the initial values
			}
			visit(e.Key(), e.Value())
			if last > 0 && e.Revision() >= last {
				return nil // every value stored when the scan started was seen
			}
		case <-ctx.Done():
			return fmt.Errorf("scan bucket %s: %w", s.bucket, ctx.Err())
		}
	}
}
