package kv

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned for a key that has no value (never written,
	// deleted or expired).
	ErrNotFound = errors.New("kv: key not found")
	// ErrConflict is what both failed compare-and-sets wrap: someone else
	// wrote the key. Re-read and re-apply.
	ErrConflict = errors.New("kv: revision conflict")
	// ErrKeyExists is a create (expected revision 0) of a key that was
	// written meanwhile. It wraps ErrConflict.
	ErrKeyExists = fmt.Errorf("%w: key exists, expected none", ErrConflict)
	// ErrStaleRevision is an update whose expected revision is no longer
	// the key's last. It wraps ErrConflict.
	ErrStaleRevision = fmt.Errorf("%w: key was written since the revision read", ErrConflict)
	// ErrBucketNotFound is returned by Inspect for a bucket that does not
	// exist.
	ErrBucketNotFound = errors.New("kv: bucket not found")
	// ErrBucketConflict is returned when an existing bucket's configuration
	// conflicts with the one asked for.
	ErrBucketConflict = errors.New("kv: bucket configuration conflicts")
)
