package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ordertrack/ordertrack/config"
)

// Check asks the brokers of k for the topics and the group, for health: it
// returns what it found, or an error naming what does not answer or does
// not exist (a topic). A group no instance has joined yet is no error.
func Check(ctx context.Context, k config.Kafka) (string, error) {
	s := &Source{opts: Options{Kafka: k}, log: slog.New(slog.DiscardHandler)}
	opts, err := s.connectOptions()
	if err != nil {
		return "", err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return "", err
	}
	defer cl.Close()
	meta := kmsg.NewPtrMetadataRequest()
	for _, t := range k.Topics {
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = kmsg.StringPtr(t)
		meta.Topics = append(meta.Topics, mt)
	}
	mresp, err := meta.RequestWith(ctx, cl)
	if err != nil {
		return "", fmt.Errorf("brokers %s do not answer: %w", strings.Join(k.Brokers, ", "), err)
	}
	var topics []string
	for _, t := range mresp.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return "", fmt.Errorf("topic %s: %w", name, err)
		}
		topics = append(topics, fmt.Sprintf("%s (%d partitions)", name, len(t.Partitions)))
	}
	dg := kmsg.NewPtrDescribeGroupsRequest()
	dg.Groups = []string{k.Group}
	dresp, err := dg.RequestWith(ctx, cl)
	if err != nil {
		return "", fmt.Errorf("group %s: the coordinator does not answer: %w", k.Group, err)
	}
	group := "not joined yet"
	for _, g := range dresp.Groups {
		if err := kerr.ErrorForCode(g.ErrorCode); err != nil && err != kerr.GroupIDNotFound {
			return "", fmt.Errorf("group %s: %w", k.Group, err)
		}
		if g.State != "" && g.State != "Dead" {
			group = fmt.Sprintf("%s, %d members", strings.ToLower(g.State), len(g.Members))
		}
	}
	return fmt.Sprintf("%d brokers; topics %s; group %s %s", len(mresp.Brokers), strings.Join(topics, ", "), k.Group, group), nil
}
