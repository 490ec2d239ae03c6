package ownership

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// Instance is the heartbeat value of a running instance (status' and
// status --json's "instances").
type Instance struct {
	Name           string    `json:"name"`
	Partitions     []int     `json:"partitions"`
	Since          time.Time `json:"since"`
	Version        string    `json:"version"`
	ConfigHash     string    `json:"config_hash"`
	ConfigLoadedAt time.Time `json:"config_loaded_at"`
	// Recompute is the progress of the instance's last sla.recompute:
	// open, if any ran.
	Recompute *RecomputeProgress `json:"recompute,omitempty"`
	// Ingest are the ingest sources the instance runs.
	Ingest []Source `json:"ingest,omitempty"`
}

// Owns reports whether the instance claims partition p.
func (i Instance) Owns(p int) bool { return slices.Contains(i.Partitions, p) }

// Open opens the heartbeat bucket (and its stream, which ReadFrom reads), creating it if missing. It is
// held in memory, like the pins of the consumers it stands beside: a
// restart of the (embedded) server forgets the instances that ran before,
// so a restarted instance takes its partitions at once instead of waiting
// for the heartbeat of its previous process to expire.
func Open(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, jetstream.Stream, error) {
	kv, err := js.KeyValue(ctx, contract.InstancesBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: contract.InstancesBucket, Description: "ordertrack instance heartbeats (key = prefix.instance)",
			History: 1, Storage: jetstream.MemoryStorage, Replicas: max(replicas, 1), LimitMarkerTTL: time.Second,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, contract.InstancesBucket)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open bucket %s: %w", contract.InstancesBucket, err)
	}
	s, err := js.Stream(ctx, contract.Topology{}.KVStream(contract.InstancesBucket))
	if err != nil {
		return nil, nil, fmt.Errorf("open bucket %s: %w", contract.InstancesBucket, err)
	}
	return kv, s, nil
}

// Heartbeat writes the instance's value with a fresh TTL (KV Put would
// drop it: NATS-NOTES).
func Heartbeat(ctx context.Context, js jetstream.JetStream, prefix string, in Instance, ttl time.Duration) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	subj := contract.Topology{Prefix: prefix}.HeartbeatSubject(in.Name)
	if _, err := js.Publish(ctx, subj, data, jetstream.WithMsgTTL(ttl)); err != nil {
		return fmt.Errorf("heartbeat of instance %s: %w", in.Name, err)
	}
	return nil
}

// ReadInstances returns the live instances of prefix, by name. A missing
// bucket means no instance ever ran: no error.
func ReadInstances(ctx context.Context, js jetstream.JetStream, prefix string) ([]Instance, error) {
	s, err := js.Stream(ctx, contract.Topology{}.KVStream(contract.InstancesBucket))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", contract.InstancesBucket, err)
	}
	return ReadFrom(ctx, s, prefix)
}

// ReadFrom reads the live heartbeats from the bucket's stream s without creating a consumer (it
// runs on every status sample and scrape): the stream's subjects under the
// prefix, then the last message of each; deletes and expiry markers are
// instances gone.
func ReadFrom(ctx context.Context, s jetstream.Stream, prefix string) ([]Instance, error) {
	filter := contract.Topology{Prefix: prefix}.HeartbeatsFilter()
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("read bucket %s: %w", contract.InstancesBucket, err)
	}
	var out []Instance
	for subj := range info.State.Subjects {
		m, err := s.GetLastMsgForSubject(ctx, subj)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read bucket %s: %w", contract.InstancesBucket, err)
		}
		if m.Header.Get("KV-Operation") != "" || m.Header.Get(jetstream.MarkerReasonHeader) != "" {
			continue
		}
		var in Instance
		if json.Unmarshal(m.Data, &in) == nil {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b Instance) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// RecomputeProgress is how far the last recompute got: orders listed for
// checking out of the open orders it found (status shows it).
type RecomputeProgress struct {
	Listed  int       `json:"listed"`
	Total   int       `json:"total"`
	Started time.Time `json:"started"`
}
