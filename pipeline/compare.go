package pipeline

import (
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrConflict is returned when an existing stream, bucket or consumer
// conflicts with the configuration. The message says what differs and how
// to fix it; ordertrack never changes such an object silently.
var ErrConflict = errors.New("existing JetStream object conflicts with the configuration")

// limitsDiffer reports a difference Provision corrects by updating the
// stream: its max age and duplicate window.
func limitsDiffer(have, want jetstream.StreamConfig) bool {
	return have.MaxAge != want.MaxAge || have.Duplicates != want.Duplicates
}

// compareStream refuses differences that would change what the stream means.
func compareStream(have, want jetstream.StreamConfig) error {
	fail := func(what, h, w, fix string) error {
		return conflict(fix, "stream %s has %s %s but the configuration needs %s", want.Name, what, h, w)
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
		return conflict(fmt.Sprintf("delete it (nats consumer rm %s %s) and run 'ordertrack run', which recreates it", stream, want.Durable),
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

// Problem is what Verify found wrong with one object, and how to fix it.
// It wraps ErrConflict (the object differs from the configuration) or
// ErrMissing.
type Problem struct {
	What, Fix string
	kind      error
}

func (p *Problem) Error() string { return fmt.Sprintf("%v: %s; %s", p.kind, p.What, p.Fix) }

// Unwrap returns ErrConflict or ErrMissing.
func (p *Problem) Unwrap() error { return p.kind }

func conflict(fix, format string, args ...any) *Problem {
	return &Problem{What: fmt.Sprintf(format, args...), Fix: fix, kind: ErrConflict}
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
