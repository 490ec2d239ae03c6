package contract

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// RiskBucket is the KV bucket of the learned-risk model (SPEC section 17):
// one key per model generation, SLA and segment (RiskKey) whose value is
// the risk.Histogram of that segment's stage durations (MarshalBinary, at
// most risk.MaxEncodedLen bytes). Instances merge their new samples into
// it with compare-and-set and watch it to read the model; it keeps one
// value per key and lives as long as the deployment (file storage, never
// expiring), so a restart learns nothing again.
const RiskBucket = "ORDER_RISK"

// RiskKey is the key of one segment's model in RiskBucket:
// <prefix>.<generation>.<segment key in base64url>, e.g.
// orders.1a2b3c4d.cHJvY2Vzc2luZy9zbGFfcnVsZT1kZWZhdWx0 for
// "processing/sla_rule=default" (a segment's values may hold any
// character; a key only letters, digits, '-', '_', '=' and '.').
func (t Topology) RiskKey(generation, segment string) string {
	return t.Prefix + "." + generation + "." + base64.RawURLEncoding.EncodeToString([]byte(segment))
}

// RiskFilter matches the keys of one model generation in RiskBucket.
func (t Topology) RiskFilter(generation string) string { return t.Prefix + "." + generation + ".*" }

// RiskSegment returns the segment key of a key of RiskBucket written by
// RiskKey with generation, and false for any other key.
func (t Topology) RiskSegment(generation, key string) (string, bool) {
	enc, ok := strings.CutPrefix(key, t.Prefix+"."+generation+".")
	if !ok || strings.Contains(enc, ".") {
		return "", false
	}
	seg, err := base64.RawURLEncoding.DecodeString(enc)
	return string(seg), err == nil
}

// OpenRisk opens RiskBucket, creating it if missing.
func OpenRisk(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, RiskBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: RiskBucket, Description: "ordertrack learned risk (key = prefix.generation.segment; value = duration histogram)",
			History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, RiskBucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", RiskBucket, err)
	}
	return kv, nil
}

// VerifyRisk checks that RiskBucket exists, without creating it, and
// returns how many keys (segment models, all generations) it holds.
func VerifyRisk(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	kv, err := js.KeyValue(ctx, RiskBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return 0, missing("bucket %s does not exist", RiskBucket)
	}
	if err != nil {
		return 0, fmt.Errorf("look up bucket %s: %w", RiskBucket, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("inspect bucket %s: %w", RiskBucket, err)
	}
	return st.Values(), nil
}
