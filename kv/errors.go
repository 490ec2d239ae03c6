package kv

import "errors"

var (
	// ErrNotFound is returned for a key that has no value (never written,
	// deleted or expired).
	ErrNotFound = errors.New("kv: key not found")
	// ErrConflict is returned when a compare-and-set finds another revision:
	// someone else wrote the key. Re-read and re-apply.
	ErrConflict = errors.New("kv: revision conflict")
	// ErrBucketNotFound is returned by Inspect for a bucket that does not
	// exist.
	ErrBucketNotFound = errors.New("kv: bucket not found")
	// ErrBucketConflict is returned when an existing bucket's configuration
	// conflicts with the one asked for.
	ErrBucketConflict = errors.New("kv: bucket configuration conflicts")
)
