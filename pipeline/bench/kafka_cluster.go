//go:build benchkafka

package bench

import "github.com/twmb/franz-go/pkg/kfake"

func init() { startKafka = startKfake }

// startKfake starts a kfake cluster (franz-go's in-process Kafka) for the
// kafka phase.
func startKfake(topic string, partitions int32) ([]string, func(), error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
	if err != nil {
		return nil, nil, err
	}
	return c.ListenAddrs(), c.Close, nil
}
