package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline"
)

func TestProvisionIsIdempotentAndRefusesConflicts(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	ctx := context.Background()
	if _, err := pipeline.Provision(ctx, e.js, e.cfg, testLog()); err != nil {
		t.Fatalf("second provisioning with the same config: %v", err)
	}
	other := e.cfg
	other.Streaming.Partitions = 16
	_, err := pipeline.Provision(ctx, e.js, other, testLog())
	if !errors.Is(err, pipeline.ErrConflict) || !strings.Contains(err.Error(), "streaming.partitions") {
		t.Fatalf("another partition count: %v, want ErrConflict naming streaming.partitions", err)
	}
	other = e.cfg
	other.NATS.Replicas = 3
	if _, err := pipeline.Provision(ctx, e.js, other, testLog()); err == nil {
		t.Fatal("other replicas accepted")
	}
	info, err := e.prov.Events.Info(ctx)
	if err != nil || info.Config.SubjectTransform.Destination != "orders.events.{{partition(4,1)}}.{{wildcard(1)}}" {
		t.Fatalf("stream changed by a refused provisioning: %+v %v", info.Config.SubjectTransform, err)
	}
}

// TestPartitionMatchesServerTransform checks that Topology.Partition agrees
// with the stream's {{partition}} transform, which fired SLA checks rely on.
func TestPartitionMatchesServerTransform(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	ctx := context.Background()
	ids := []string{"ORD-1", "ORD-000123", "a", "Z_9", "ORD-20D0-000017"}
	for _, id := range ids {
		e.publish(ev{id: id, typ: "ORDER_PLACED"})
	}
	for _, id := range ids {
		want := e.prov.Topology.Partition(id)
		m, err := e.prov.Events.GetLastMsgForSubject(ctx, "orders.events.*."+id)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Subject; got != fmt.Sprintf("orders.events.%d.%s", want, id) {
			t.Errorf("order %s stored as %s, Topology says partition %d", id, got, want)
		}
	}
}
