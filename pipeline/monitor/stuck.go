package monitor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// Problem is a reason the pipeline cannot make progress, and its fix.
type Problem struct{ What, Fix string }

func (p Problem) String() string { return p.What + "; fix: " + p.Fix }

// Stuck returns what keeps partitions from making progress, judged from
// their consumers (parts, as Partitions returns them) and their streams at
// now (SPEC 7):
//   - a consumer whose delivered sequence is past its stream's last
//     sequence (the store was reset or shared under it): it skips every new
//     message up to the sequence it believes it has delivered;
//   - a consumer with messages waiting and nothing acknowledged for longer
//     than its ack_wait: no batch completes.
//
// It asks for the oldest waiting message only of a consumer that acked
// nothing within ack_wait, so a busy pipeline costs two stream infos.
func Stuck(ctx context.Context, js jetstream.JetStream, topo contract.Topology, parts []Partition, now time.Time) ([]Problem, error) {
	var out []Problem
	for _, side := range []struct {
		stream string
		ci     func(Partition) *jetstream.ConsumerInfo
		filter func(int) string
	}{
		{contract.EventsStream, func(p Partition) *jetstream.ConsumerInfo { return p.Events }, topo.PartitionFilter},
		{contract.SLAStream, func(p Partition) *jetstream.ConsumerInfo { return p.Timers }, topo.FiredFilter},
	} {
		s, err := js.Stream(ctx, side.stream)
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", side.stream, err)
		}
		last := s.CachedInfo().State.LastSeq
		for _, p := range parts {
			ci := side.ci(p)
			if ci == nil {
				continue
			}
			if ci.Delivered.Stream > last {
				out = append(out, aheadOfStream(ci, last))
				continue
			}
			pr, err := waitingTooLong(ctx, s, ci, side.filter(p.Index), p.Index, now)
			if err != nil {
				return nil, err
			}
			if pr != nil {
				out = append(out, *pr)
			}
		}
	}
	return out, nil
}

func aheadOfStream(ci *jetstream.ConsumerInfo, last uint64) Problem {
	return Problem{
		What: fmt.Sprintf("consumer %s has delivered up to sequence %d but stream %s ends at %d: the store was reset or shared under it, and new messages up to %d are skipped",
			ci.Name, ci.Delivered.Stream, ci.Stream, last, ci.Delivered.Stream),
		Fix: fmt.Sprintf("stop every ordertrack of this stream, delete the consumer (nats consumer rm %s %s) so that the next 'ordertrack run' recreates it, "+
			"or with the embedded server start over from an empty nats.embedded.store_dir (rm -rf it)", ci.Stream, ci.Name),
	}
}

// waitingTooLong reports a consumer with messages waiting whose last ack,
// or else its oldest waiting message, is older than its ack_wait.
func waitingTooLong(ctx context.Context, s jetstream.Stream, ci *jetstream.ConsumerInfo, filter string, partition int, now time.Time) (*Problem, error) {
	waiting := ci.NumPending + uint64(ci.NumAckPending)
	wait := ci.Config.AckWait
	if waiting == 0 || wait <= 0 {
		return nil, nil
	}
	var since time.Time
	if ci.AckFloor.Last != nil {
		since = *ci.AckFloor.Last
	}
	if now.Sub(since) <= wait {
		return nil, nil
	}
	m, err := s.GetMsg(ctx, ci.AckFloor.Stream+1, jetstream.WithGetMsgSubject(filter))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return nil, nil // acked meanwhile
	case err != nil:
		return nil, fmt.Errorf("oldest waiting message of %s: %w", ci.Name, err)
	}
	if m.Time.After(since) {
		since = m.Time
	}
	if now.Sub(since) <= wait {
		return nil, nil
	}
	owner := "no instance is pinned"
	for _, g := range ci.PriorityGroups {
		if g.PinnedClientID != "" {
			owner = "pinned client " + g.PinnedClientID
		}
	}
	return &Problem{
		What: fmt.Sprintf("partition %d: %d messages wait on %s, and no batch was acknowledged for %s (more than ack_wait %s; %s)",
			partition, waiting, ci.Name, now.Sub(since).Round(time.Second), wait, owner),
		Fix: "check the logs of the instance that owns the partition and restart it; start 'ordertrack run' if none is running",
	}, nil
}

// timedOut reports whether err is a request that got no answer in time.
func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

// NoAnswerFix is the fix for a JetStream request that timed out.
const NoAnswerFix = "check that the NATS server is up and has JetStream enabled; in a cluster, that a majority of nodes runs " +
	"(a stream without a leader does not answer; elections take seconds) and that nats.replicas fits the cluster"
