package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

func TestProvisionIsIdempotentAndRefusesConflicts(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	ctx := context.Background()
	if _, err := contract.Provision(ctx, e.js, e.cfg, testLog()); err != nil {
		t.Fatalf("second provisioning with the same config: %v", err)
	}
	other := e.cfg
	other.Streaming.Partitions = 16
	_, err := contract.Provision(ctx, e.js, other, testLog())
	if !errors.Is(err, contract.ErrMismatch) || !strings.Contains(err.Error(), "streaming.partitions") {
		t.Fatalf("another partition count: %v, want ErrMismatch naming streaming.partitions", err)
	}
	other = e.cfg
	other.NATS.Replicas = 3
	if _, err := contract.Provision(ctx, e.js, other, testLog()); err == nil {
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

// TestProvisionAddsWarningsSubject starts from an ORDER_UPDATES stream as an
// older ordertrack created it (no orders.warnings.>) holding a message:
// provisioning adds the subject in place and keeps the message (SPEC 2).
func TestProvisionAddsWarningsSubject(t *testing.T) {
	t.Parallel()
	js := pipelinetest.RunJetStream(t).JS
	ctx := context.Background()
	cfg := testConfig()
	old := jetstream.StreamConfig{Name: contract.UpdatesStream, Subjects: []string{testTopo.UpdatesWildcard(), testTopo.AlertsWildcard()},
		Storage: jetstream.FileStorage, MaxAge: cfg.Retention.Updates, Duplicates: cfg.Streaming.DuplicateWindow}
	if _, err := js.CreateStream(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, testTopo.AlertSubject(order.SLAProcessing, "ORD-1"), []byte(`{"order_id":"ORD-1"}`)); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	prov, err := contract.Provision(ctx, js, cfg, log)
	if err != nil {
		t.Fatalf("provisioning over an older ORDER_UPDATES: %v", err)
	}
	info, err := prov.Updates.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"orders.updates.>", "orders.alerts.>", "orders.warnings.>"}
	if fmt.Sprint(info.Config.Subjects) != fmt.Sprint(want) || info.State.Msgs != 1 {
		t.Errorf("ORDER_UPDATES subjects %v with %d messages, want %v with the 1 message kept", info.Config.Subjects, info.State.Msgs, want)
	}
	if !strings.Contains(logs.String(), "added subjects to stream") || !strings.Contains(logs.String(), "orders.warnings.>") {
		t.Errorf("update not logged: %s", logs.String())
	}
	if _, err := js.Publish(ctx, testTopo.WarningSubject(order.SLAProcessing, "ORD-1"), []byte(`{}`)); err != nil {
		t.Errorf("publish a warning after the update: %v", err)
	}
}
