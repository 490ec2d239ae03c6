package pipeline_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestPermissionProbesLeaveNothing checks that the start-up permission
// check is harmless: after Provision on a fresh server every stream and
// bucket is empty, no probe consumer exists, and a core subscriber to the
// outputs sees each probe marked with Ordertrack-Probe.
func TestPermissionProbesLeaveNothing(t *testing.T) {
	t.Parallel()
	j := pipelinetest.RunJetStream(t)
	cfg := testConfig()
	core := make(chan *nats.Msg, 100)
	sub, err := j.Conn.ChanSubscribe(contract.TopologyOf(cfg).Wildcard(), core)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ctx := context.Background()
	if _, err := contract.Provision(ctx, j.JS, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if err := j.Conn.Flush(); err != nil {
		t.Fatal(err)
	}
	for names := j.JS.StreamNames(ctx); ; {
		name, ok := <-names.Name()
		if !ok {
			break
		}
		s, err := j.JS.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := s.Info(ctx)
		if info.State.Msgs != 0 {
			t.Errorf("stream %s holds %d messages after provisioning", name, info.State.Msgs)
		}
		for cs := s.ListConsumers(ctx); ; {
			ci, ok := <-cs.Info()
			if !ok {
				break
			}
			if ci.Name == "ordertrack-permission-probe" {
				t.Errorf("stream %s has the probe consumer", name)
			}
		}
	}
	if len(core) == 0 {
		t.Fatal("a core subscriber to orders.> saw no probe")
	}
	for len(core) > 0 {
		m := <-core
		if m.Header.Get(contract.ProbeHeader) != "permissions" {
			t.Errorf("core message on %s without %s: %q", m.Subject, contract.ProbeHeader, m.Data)
		}
	}
}
