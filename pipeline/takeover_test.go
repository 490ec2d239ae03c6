package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestRepinnedConsumerTakenOverAgain unpins the partitions' events
// consumers five times while a worker consumes a load of lifecycles, as a
// consumer leader that moves does (the pin lives in the leader's memory):
// each time the server pins the worker again under a new id, and the
// worker takes the consumer over again, rewinding it to its ack floor (its
// consumer sequence starts again at 1, so fewer deliveries are counted
// than messages stored). Nothing is lost or applied twice, and every
// order's updates are stored in lifecycle order.
func TestRepinnedConsumerTakenOverAgain(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Streaming.Partitions = 2
	e := setup(t, cfg)
	e.start(pipeline.Options{})
	const n = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	produced := make(chan error, 1)
	go func() { produced <- producePaced(ctx, e.js, n, 1500, func(int) {}) }()
	stream, err := e.js.Stream(ctx, contract.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 5 {
		pipelinetest.WaitFor(t, 20*time.Second, func() error {
			if got := storedIn(t, stream); got < uint64(600*(k+1)) {
				return fmt.Errorf("%d events stored, want %d before unpin %d", got, 600*(k+1), k+1)
			}
			return nil
		})
		for p := range cfg.Streaming.Partitions {
			if err := stream.UnpinConsumer(ctx, e.prov.Topology.EventsConsumer(p), contract.PriorityGroup); err != nil {
				t.Fatalf("unpin partition %d: %v", p, err)
			}
		}
	}
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, 20*time.Second, e.idle)
	rewound := 0
	for p := range cfg.Streaming.Partitions {
		info, err := stream.Info(ctx, jetstream.WithSubjectFilter(e.prov.Topology.PartitionFilter(p)))
		if err != nil {
			t.Fatal(err)
		}
		var stored uint64
		for _, c := range info.State.Subjects {
			stored += c
		}
		c, err := stream.Consumer(ctx, e.prov.Topology.EventsConsumer(p))
		if err != nil {
			t.Fatal(err)
		}
		ci := c.CachedInfo()
		t.Logf("partition %d: %d events stored, consumer sequence %d", p, stored, ci.Delivered.Consumer)
		if ci.Delivered.Consumer < stored {
			rewound++
		}
	}
	if rewound == 0 {
		t.Errorf("no consumer was rewound after its pin moved")
	}
	states := e.allStates()
	outs := e.allOutputs()
	if k := inStageOrder(outs); k > 0 {
		t.Errorf("%d updates stored after a later update of the same order", k)
	}
	checkExactlyOnce(t, outs, n, func(id string) order.State { return states[id] })
}

// storedIn is how many messages s holds.
func storedIn(t *testing.T, s jetstream.Stream) uint64 {
	t.Helper()
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
