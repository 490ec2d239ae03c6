package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/kv"
)

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
		return nil, mismatch("run 'ordertrack run', which adds them in place (no message is lost)",
			"stream %s lacks subjects %v", want.Name, missing)
	}
	if err := compareStream(info.Config, want); err != nil {
		return nil, err
	}
	if limitsDiffer(info.Config, want) {
		return nil, mismatch("run 'ordertrack run', which updates them to the configuration's",
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
		return st, mismatch("recreate it (nats kv rm "+OrdersBucket+") or change the configuration, then run 'ordertrack run'", "%v", err)
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
			p = mismatch("run 'ordertrack run', which updates them to the configuration's",
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

func mismatch(fix, format string, args ...any) *Problem {
	return &Problem{What: fmt.Sprintf(format, args...), Fix: fix, kind: ErrMismatch}
}

// limitsDiffer reports a difference Provision corrects by updating the
// stream: its max age and duplicate window.
func limitsDiffer(have, want jetstream.StreamConfig) bool {
	return have.MaxAge != want.MaxAge || have.Duplicates != want.Duplicates
}

// compareStream refuses differences that would change what the stream means.
func compareStream(have, want jetstream.StreamConfig) error {
	fail := func(what, h, w, fix string) error {
		return mismatch(fix, "stream %s has %s %s but the configuration needs %s", want.Name, what, h, w)
	}
	recreate := "delete it (nats stream rm " + want.Name + ") or change the configuration"
	switch {
	case fmt.Sprint(have.Subjects) != fmt.Sprint(want.Subjects):
		return fail("subjects", fmt.Sprint(have.Subjects), fmt.Sprint(want.Subjects), "check subjects.prefix or "+recreate)
	case transformOf(have) != transformOf(want):
		return fail("subject transform", transformOf(have), transformOf(want),
			"streaming.partitions must equal the partition count the stream was created with (changing it remaps every order); "+recreate)
	case have.Replicas != want.Replicas:
		return fail("replicas", fmt.Sprint(have.Replicas), fmt.Sprint(want.Replicas), "set nats.replicas accordingly or "+recreate)
	case have.Retention != want.Retention:
		return fail("retention", have.Retention.String(), want.Retention.String(), recreate)
	case have.AllowMsgSchedules != want.AllowMsgSchedules:
		return fail("allow_msg_schedules", fmt.Sprint(have.AllowMsgSchedules), fmt.Sprint(want.AllowMsgSchedules), recreate)
	case want.AllowMsgTTL && !have.AllowMsgTTL:
		return fail("allow_msg_ttl", "false", "true", "enable it (nats stream edit "+want.Name+" --allow-msg-ttl) or "+recreate)
	case want.AllowRollup && !have.AllowRollup:
		return fail("allow_rollup_hdrs", "false", "true", "enable it (nats stream edit "+want.Name+" --allow-rollup) or "+recreate)
	}
	return nil
}

func transformOf(c jetstream.StreamConfig) string {
	if c.SubjectTransform == nil {
		return "none"
	}
	return c.SubjectTransform.Source + " -> " + c.SubjectTransform.Destination
}

// compareConsumer refuses a consumer that filters other subjects or is
// not in the pinned priority group.
func compareConsumer(stream string, have, want jetstream.ConsumerConfig) error {
	if have.FilterSubject != want.FilterSubject || have.PriorityPolicy != want.PriorityPolicy ||
		!slices.Equal(have.PriorityGroups, want.PriorityGroups) {
		return mismatch(fmt.Sprintf("delete it (nats consumer rm %s %s) and run 'ordertrack run', which recreates it", stream, want.Durable),
			"consumer %s filters %q (policy %v, groups %v) but the configuration needs %q (pinned, group %q)",
			want.Durable, have.FilterSubject, have.PriorityPolicy, have.PriorityGroups, want.FilterSubject, PriorityGroup)
	}
	return nil
}

// consumerLimitsDiffer reports a difference Provision corrects by updating
// the consumer.
func consumerLimitsDiffer(have, want jetstream.ConsumerConfig) bool {
	return have.AckWait != want.AckWait || have.PinnedTTL != want.PinnedTTL || have.MaxAckPending != want.MaxAckPending
}

// addable returns the subjects of want a stream lacks when it has no
// others: what Provision's addSubjects adds in place.
func addable(have, want jetstream.StreamConfig) []string {
	var missing []string
	for _, w := range want.Subjects {
		if !slices.Contains(have.Subjects, w) {
			missing = append(missing, w)
		}
	}
	for _, h := range have.Subjects {
		if !slices.Contains(want.Subjects, h) {
			return nil
		}
	}
	return missing
}
