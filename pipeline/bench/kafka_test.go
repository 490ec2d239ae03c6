package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/ordertrack/ordertrack/config"
)

// The tests run the kafka phase against kfake, as a binary built with
// -tags benchkafka does (kafka_cluster.go), without the tag.
func init() {
	if startKafka == nil {
		startKafka = func(topic string, partitions int32) ([]string, func(), error) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
			if err != nil {
				return nil, nil, err
			}
			return c.ListenAddrs(), c.Close, nil
		}
	}
}

// TestKafkaPhaseWithoutCluster: in a binary built without -tags benchkafka
// the kafka phase is skipped, saying how to build one that runs it.
func TestKafkaPhaseWithoutCluster(t *testing.T) {
	saved := startKafka
	startKafka = nil
	t.Cleanup(func() { startKafka = saved })
	r, err := Run(context.Background(), Options{Config: config.Default(), Phases: []string{"kafka"}, Dir: t.TempDir(), Events: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 || len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0], "-tags benchkafka") {
		t.Errorf("errors %v, skipped %q; want the kafka phase skipped naming -tags benchkafka", r.Errors, r.Skipped)
	}
}
