package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestCheck: health's view of the brokers, the topics and the group.
func TestCheck(t *testing.T) {
	k := setup(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := Check(ctx, k.cfg.Ingest.Kafka)
	if want := "1 brokers; topics orders (3 partitions); group ordertrack not joined yet"; err != nil || got != want {
		t.Errorf("Check before the group = %q, %v; want %q", got, err, want)
	}
	k.start(k.options())
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		got, err = Check(ctx, k.cfg.Ingest.Kafka)
		if want := "1 brokers; topics orders (3 partitions); group ordertrack stable, 1 members"; err != nil || got != want {
			return fmt.Errorf("Check = %q, %v; want %q", got, err, want)
		}
		return nil
	})

	missing := k.cfg.Ingest.Kafka
	missing.Topics = []string{"orders", "returns"}
	if _, err := Check(ctx, missing); err == nil || !strings.Contains(err.Error(), "topic returns: UNKNOWN_TOPIC_OR_PARTITION") {
		t.Errorf("Check with a missing topic: %v", err)
	}
	down := k.cfg.Ingest.Kafka
	down.Brokers = []string{pipelinetest.UnusedAddr(t)}
	short, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	if _, err := Check(short, down); err == nil || !strings.Contains(err.Error(), "brokers "+down.Brokers[0]+" do not answer") {
		t.Errorf("Check with no broker: %v", err)
	}
}
