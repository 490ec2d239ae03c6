package kv_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/kv"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

func setup(t *testing.T) (*kv.Store, jetstream.JetStream) {
	t.Helper()
	js := pipelinetest.RunJetStream(t).JS
	s, err := kv.Open(context.Background(), js, kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, js
}

func write(t *testing.T, s *kv.Store, key, value string, rev uint64, ttl time.Duration) (uint64, error) {
	t.Helper()
	w, err := s.WriteAsync(key, []byte(value), rev, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return w.Wait(context.Background())
}

func TestCompareAndSet(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	ctx := context.Background()
	e, err := s.Get(ctx, "ORD-1")
	if err != nil || e.Found || e.Revision != 0 {
		t.Fatalf("missing key: %+v %v", e, err)
	}
	rev, err := write(t, s, "ORD-1", "v1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := write(t, s, "ORD-1", "again", 0, 0); !errors.Is(err, kv.ErrConflict) || !errors.Is(err, kv.ErrKeyExists) {
		t.Fatalf("create over an existing key: %v, want ErrConflict", err)
	}
	rev2, err := write(t, s, "ORD-1", "v2", rev, 0)
	if err != nil || rev2 <= rev {
		t.Fatalf("update: rev %d err %v", rev2, err)
	}
	if _, err := write(t, s, "ORD-1", "stale", rev, 0); !errors.Is(err, kv.ErrConflict) || !errors.Is(err, kv.ErrStaleRevision) {
		t.Fatalf("stale revision: %v, want ErrConflict", err)
	}
	e, _ = s.Get(ctx, "ORD-1")
	if !e.Found || string(e.Value) != "v2" || e.Revision != rev2 {
		t.Fatalf("get: %+v", e)
	}
}

func TestDeletedKeyKeepsRevision(t *testing.T) {
	t.Parallel()
	s, js := setup(t)
	ctx := context.Background()
	rev, _ := write(t, s, "ORD-2", "v1", 0, 0)
	bucket, _ := js.KeyValue(ctx, "ORDERS")
	if err := bucket.Delete(ctx, "ORD-2"); err != nil {
		t.Fatal(err)
	}
	e, err := s.Get(ctx, "ORD-2")
	if err != nil || e.Found || e.Revision <= rev {
		t.Fatalf("deleted key: %+v %v; want not found with the marker's revision", e, err)
	}
	if _, err := write(t, s, "ORD-2", "v2", e.Revision, 0); err != nil {
		t.Fatalf("recreate with the marker's revision: %v", err)
	}
}

// TestWriteKeepsTTL checks that a CAS write with a TTL expires the key,
// which jetstream.KeyValue.Update would not do (NATS-NOTES).
func TestWriteKeepsTTL(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	ctx := context.Background()
	rev, _ := write(t, s, "ORD-3", "open", 0, 0)
	if _, err := write(t, s, "ORD-3", "closed", rev, time.Second); err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		e, err := s.Get(ctx, "ORD-3")
		if err != nil {
			t.Fatal(err)
		}
		if e.Found {
			return errors.New("key with a 1s TTL still present")
		}
		return nil
	})
}

func TestOpenRefusesConflictingBucket(t *testing.T) {
	t.Parallel()
	_, js := setup(t)
	_, err := kv.Open(context.Background(), js, kv.Options{Replicas: 3})
	if !errors.Is(err, kv.ErrBucketConflict) {
		t.Fatalf("replicas mismatch: %v, want ErrBucketConflict", err)
	}
}

// TestReadersSeeErrNotFound: a reader's Lookup and Read return the
// documented sentinels, and Scan sees every stored value.
func TestReadersSeeErrNotFound(t *testing.T) {
	t.Parallel()
	s, js := setup(t)
	ctx := context.Background()
	if _, err := kv.Lookup(ctx, js, "NOPE"); !errors.Is(err, kv.ErrBucketNotFound) {
		t.Errorf("Lookup of a missing bucket: %v, want ErrBucketNotFound", err)
	}
	r, err := kv.Lookup(ctx, js, "ORDERS")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx, "ORD-9"); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("Read of a missing key: %v, want ErrNotFound", err)
	}
	for _, k := range []string{"ORD-9", "ORD-10"} {
		if _, err := write(t, s, k, "v-"+k, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	if e, err := r.Read(ctx, "ORD-9"); err != nil || string(e.Value) != "v-ORD-9" {
		t.Errorf("Read: %+v %v", e, err)
	}
	seen := map[string]string{}
	if err := r.Scan(ctx, func(k string, v []byte) { seen[k] = string(v) }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen["ORD-10"] != "v-ORD-10" {
		t.Errorf("Scan saw %v", seen)
	}
}
