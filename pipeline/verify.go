package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/kv"
)

// ErrMissing is returned by Verify for an object that does not exist.
var ErrMissing = errors.New("JetStream object missing")

func missing(format string, args ...any) *Problem {
	return &Problem{What: fmt.Sprintf(format, args...), Fix: "run 'ordertrack run' once to create it", kind: ErrMissing}
}

// VerifyStream checks an existing stream against want (one of Streams)
// without changing anything: what Provision would refuse, and what it
// would update (max age, duplicate window), is a *Problem.
func VerifyStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) (*jetstream.StreamInfo, error) {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, missing("stream %s does not exist", want.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("look up stream %s: %w", want.Name, err)
	}
	info := s.CachedInfo()
	if missing := addable(info.Config, want); len(missing) > 0 {
		return nil, conflict("run 'ordertrack run', which adds them in place (no message is lost)",
			"stream %s lacks subjects %v", want.Name, missing)
	}
	if err := compareStream(info.Config, want); err != nil {
		return nil, err
	}
	if limitsDiffer(info.Config, want) {
		return nil, conflict("run 'ordertrack run', which updates them to the configuration's",
			"stream %s has max age %s and duplicate window %s, the configuration needs %s and %s",
			want.Name, info.Config.MaxAge, info.Config.Duplicates, want.MaxAge, want.Duplicates)
	}
	return info, nil
}

// VerifyBucket checks the ORDERS bucket as Provision opens it, without
// creating it.
func VerifyBucket(ctx context.Context, js jetstream.JetStream, cfg config.Config) (kv.Status, error) {
	st, err := kv.Inspect(ctx, js, bucketOptions(cfg))
	switch {
	case errors.Is(err, kv.ErrBucketNotFound):
		return st, missing("bucket %s does not exist", OrdersBucket)
	case errors.Is(err, kv.ErrBucketConflict):
		return st, conflict("recreate it (nats kv rm "+OrdersBucket+") or change the configuration, then run 'ordertrack run'", "%v", err)
	}
	return st, err
}

// VerifyConsumers checks every consumer of Consumers(cfg) against the
// consumers that exist (have, by stream and name; nil for a missing one)
// and returns the problems found, joined.
func VerifyConsumers(cfg config.Config, have func(stream, name string) *jetstream.ConsumerInfo) error {
	var problems, fixes []string
	var kind error
	for _, c := range Consumers(cfg) {
		ci := have(c.Stream, c.Config.Durable)
		var p *Problem
		switch {
		case ci == nil:
			p = missing("consumer %s is missing", c.Config.Durable)
		case compareConsumer(c.Stream, ci.Config, c.Config) != nil:
			errors.As(compareConsumer(c.Stream, ci.Config, c.Config), &p)
		case consumerLimitsDiffer(ci.Config, c.Config):
			p = conflict("run 'ordertrack run', which updates them to the configuration's",
				"consumer %s has ack_wait %s, pinned_ttl %s, max_ack_pending %d, the configuration needs %s, %s, %d", c.Config.Durable,
				ci.Config.AckWait, ci.Config.PinnedTTL, ci.Config.MaxAckPending, c.Config.AckWait, c.Config.PinnedTTL, c.Config.MaxAckPending)
		default:
			continue
		}
		problems = append(problems, p.What)
		if kind == nil {
			kind = p.kind
		}
		if len(fixes) == 0 || fixes[len(fixes)-1] != p.Fix {
			fixes = append(fixes, p.Fix)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &Problem{What: strings.Join(problems, "; "), Fix: strings.Join(fixes, "; "), kind: kind}
}
