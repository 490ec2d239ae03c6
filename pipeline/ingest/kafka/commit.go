package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// addPending adds next (offsets stored in NATS) to the offsets waiting
// for a commit.
func (s *Source) addPending(next map[partition]kgo.EpochOffset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.Copy(s.pending, next)
}

// commit commits the offsets waiting for it. A failed commit is logged
// once per burst and tried again at the next commit, idle poll or revoke.
func (s *Source) commit(ctx context.Context) {
	s.mu.Lock()
	sent := maps.Clone(s.pending)
	s.mu.Unlock()
	if len(sent) == 0 {
		return
	}
	s.lastCommit = time.Now()
	err := s.commitOffsets(ctx, sent)
	if err != nil && ctx.Err() != nil {
		return // stopping: close commits with a fresh context
	}
	if err != nil {
		s.faults.note(s.log, "kafka offset commit failing; retrying", err)
		return
	}
	s.mu.Lock()
	for p, o := range sent {
		if s.pending[p] == o {
			delete(s.pending, p)
		}
		s.setCommitted(p, o.Offset)
	}
	s.mu.Unlock()
}

// commitOffsets commits offsets synchronously and returns the first
// error, of the request or of a partition.
func (s *Source) commitOffsets(ctx context.Context, offsets map[partition]kgo.EpochOffset) error {
	req := map[string]map[int32]kgo.EpochOffset{}
	for p, o := range offsets {
		if req[p.topic] == nil {
			req[p.topic] = map[int32]kgo.EpochOffset{}
		}
		req[p.topic][p.id] = o
	}
	var first error
	s.cl.CommitOffsetsSync(ctx, req, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			first = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil && first == nil {
					first = fmt.Errorf("partition %d: %w", p.Partition, err)
				}
			}
		}
	})
	return first
}

// revoked commits what is stored of the partitions being given up, so the
// next owner resumes exactly there, and forgets them. Every polled record
// is stored by now: rebalances wait for the batch.
func (s *Source) revoked(ctx context.Context, _ *kgo.Client, gone map[string][]int32) {
	s.mu.Lock()
	offsets := map[partition]kgo.EpochOffset{}
	for topic, ids := range gone {
		for _, id := range ids {
			p := partition{topic, id}
			if o, ok := s.pending[p]; ok {
				offsets[p] = o
			}
		}
	}
	s.mu.Unlock()
	if len(offsets) > 0 {
		if err := s.commitOffsets(ctx, offsets); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("kafka commit of revoked partitions failed; their next owner reads the uncommitted records again (stored once: Nats-Msg-Id)", "error", err)
		}
	}
	s.forget(gone, "revoked")
}

// lost forgets partitions taken away without a chance to commit (the
// group session expired): their next owner reads the uncommitted records
// again, stored once by their Nats-Msg-Id.
func (s *Source) lost(_ context.Context, _ *kgo.Client, gone map[string][]int32) {
	s.forget(gone, "lost")
}

// assigned records the partitions this instance now owns.
func (s *Source) assigned(_ context.Context, _ *kgo.Client, got map[string][]int32) {
	s.mu.Lock()
	for topic, ids := range got {
		for _, id := range ids {
			s.partitionStatus(partition{topic, id})
		}
	}
	s.mu.Unlock()
	s.log.Info("kafka partitions assigned", "partitions", fmt.Sprint(got))
}

func (s *Source) forget(gone map[string][]int32, how string) {
	s.mu.Lock()
	for topic, ids := range gone {
		for _, id := range ids {
			p := partition{topic, id}
			delete(s.pending, p)
			s.dropPartition(p)
		}
	}
	s.mu.Unlock()
	if len(gone) > 0 {
		s.log.Info("kafka partitions "+how, "partitions", fmt.Sprint(gone))
	}
}

// leave takes a static member out of the group once its client is closed
// (kgo's Close keeps a static member in, waiting for its restart), so that
// a stopped instance's partitions move at once. A dynamic member has left
// in Close.
func (s *Source) leave(ctx context.Context) {
	if s.opts.InstanceID == "" {
		return
	}
	opts, err := s.connectOptions()
	if err != nil {
		return
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return
	}
	defer cl.Close()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = s.opts.Kafka.Group
	m := kmsg.NewLeaveGroupRequestMember()
	m.InstanceID = &s.opts.InstanceID
	req.Members = append(req.Members, m)
	if _, err := req.RequestWith(ctx, cl); err != nil {
		s.log.Warn("kafka: leaving the group failed; this instance's partitions move after the session timeout", "error", err)
	}
}
