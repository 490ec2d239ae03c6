package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// InstancesBucket is the KV bucket of instance heartbeats: one key per
// running instance (<subjects.prefix>.<instance>) with a per-key TTL of
// streaming.pinned_ttl, renewed every third of it. A key that expires is
// an instance that stopped heartbeating (crashed, or cut off from NATS).
const InstancesBucket = "ORDERTRACK_INSTANCES"

// Instance is the heartbeat value of a running instance (status' and
// status --json's "instances").
type Instance struct {
	Name           string    `json:"name"`
	Partitions     []int     `json:"partitions"`
	Since          time.Time `json:"since"`
	Version        string    `json:"version"`
	ConfigHash     string    `json:"config_hash"`
	ConfigLoadedAt time.Time `json:"config_loaded_at"`
}

// Owns reports whether the instance claims partition p.
func (i Instance) Owns(p int) bool { return slices.Contains(i.Partitions, p) }

// instanceKey is the KV key of an instance: the prefix and the name, with
// characters a key cannot hold replaced by '_'.
func instanceKey(prefix, name string) string {
	return prefix + "." + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '=':
			return r
		}
		return '_'
	}, name)
}

// openInstances opens the heartbeat bucket, creating it if missing. It is
// held in memory, like the pins of the consumers it stands beside: a
// restart of the (embedded) server forgets the instances that ran before,
// so a restarted instance takes its partitions at once instead of waiting
// for the heartbeat of its previous process to expire.
func openInstances(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, InstancesBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: InstancesBucket, Description: "ordertrack instance heartbeats (key = prefix.instance)",
			History: 1, Storage: jetstream.MemoryStorage, Replicas: max(replicas, 1), LimitMarkerTTL: time.Second,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, InstancesBucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", InstancesBucket, err)
	}
	return kv, nil
}

// heartbeat writes the instance's value with a fresh TTL (KV Put would
// drop it: NATS-NOTES).
func heartbeat(ctx context.Context, js jetstream.JetStream, prefix string, in Instance, ttl time.Duration) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	subj := "$KV." + InstancesBucket + "." + instanceKey(prefix, in.Name)
	if _, err := js.Publish(ctx, subj, data, jetstream.WithMsgTTL(ttl)); err != nil {
		return fmt.Errorf("heartbeat of instance %s: %w", in.Name, err)
	}
	return nil
}

// ReadInstances returns the live instances of prefix, by name. A missing
// bucket means no instance ever ran: no error.
func ReadInstances(ctx context.Context, js jetstream.JetStream, prefix string) ([]Instance, error) {
	kv, err := js.KeyValue(ctx, InstancesBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", InstancesBucket, err)
	}
	return readInstances(ctx, kv, prefix)
}

func readInstances(ctx context.Context, kv jetstream.KeyValue, prefix string) ([]Instance, error) {
	w, err := kv.WatchFiltered(ctx, []string{prefix + ".>"}, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("read bucket %s: %w", InstancesBucket, err)
	}
	defer func() { _ = w.Stop() }()
	var out []Instance
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("read bucket %s: watcher closed", InstancesBucket)
			}
			if e == nil { // the initial values are all there
				slices.SortFunc(out, func(a, b Instance) int { return strings.Compare(a.Name, b.Name) })
				return out, nil
			}
			var in Instance
			if err := json.Unmarshal(e.Value(), &in); err != nil {
				continue // not ours to judge; a foreign or older value
			}
			out = append(out, in)
		case <-ctx.Done():
			return nil, fmt.Errorf("read bucket %s: %w", InstancesBucket, ctx.Err())
		}
	}
}
