package kv

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Status is what Inspect reports about a bucket.
type Status struct {
	Bucket string
	Values uint64 // stored values, including delete and expiry markers
}

// Inspect verifies an existing bucket against opts as Open does, without
// creating it: ErrBucketNotFound if it does not exist, ErrBucketConflict
// if it differs.
func Inspect(ctx context.Context, js jetstream.JetStream, opts Options) (Status, error) {
	opts = opts.withDefaults()
	st := Status{Bucket: opts.Bucket}
	kvs, err := js.KeyValue(ctx, opts.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return st, fmt.Errorf("bucket %s: %w", opts.Bucket, ErrBucketNotFound)
	}
	if err != nil {
		return st, fmt.Errorf("open bucket %s: %w", opts.Bucket, err)
	}
	if err := verify(ctx, kvs, opts); err != nil {
		return st, err
	}
	s, err := kvs.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("inspect bucket %s: %w", opts.Bucket, err)
	}
	st.Values = s.Values()
	return st, nil
}
