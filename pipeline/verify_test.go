package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
)

// TestVerifyAgreesWithProvision: what Provision created verifies; a
// configuration that differs, or an object edited by hand, is a Problem
// naming the object with a fix.
func TestVerifyAgreesWithProvision(t *testing.T) {
	t.Parallel()
	e := setup(t, testConfig())
	ctx := context.Background()
	have := func(stream, name string) *jetstream.ConsumerInfo {
		c, err := e.js.Consumer(ctx, stream, name)
		if err != nil {
			return nil
		}
		return c.CachedInfo()
	}
	for _, s := range contract.Streams(e.cfg) {
		if _, err := contract.VerifyStream(ctx, e.js, s); err != nil {
			t.Errorf("stream %s: %v", s.Name, err)
		}
	}
	if _, err := contract.VerifyBucket(ctx, e.js, e.cfg); err != nil {
		t.Errorf("bucket: %v", err)
	}
	if err := contract.VerifyConsumers(e.cfg, have); err != nil {
		t.Errorf("consumers: %v", err)
	}

	other := e.cfg
	other.Streaming.AckWait = 7 * time.Second
	var p *contract.Problem
	if err := contract.VerifyConsumers(other, have); !errors.As(err, &p) || !strings.Contains(p.What, "ordertrack-p0 has ack_wait 5s") || p.Fix == "" {
		t.Errorf("other ack_wait: %v", err)
	}

	// Someone gave ORDER_SLA a max age, which deletes pending timers.
	sla := contract.Streams(e.cfg)[1]
	info, _ := e.prov.Timers.Info(ctx)
	edited := info.Config
	edited.MaxAge = time.Hour
	if _, err := e.js.UpdateStream(ctx, edited); err != nil {
		t.Fatal(err)
	}
	_, err := contract.VerifyStream(ctx, e.js, sla)
	if !errors.As(err, &p) || !errors.Is(err, contract.ErrMismatch) || !strings.Contains(p.What, "stream ORDER_SLA has max age 1h0m0s") {
		t.Errorf("ORDER_SLA with a max age: %v", err)
	}
	if err := e.js.DeleteStream(ctx, contract.DLQStream); err != nil {
		t.Fatal(err)
	}
	if _, err := contract.VerifyStream(ctx, e.js, contract.Streams(e.cfg)[3]); !errors.Is(err, contract.ErrMissing) {
		t.Errorf("deleted ORDER_DLQ: %v, want ErrMissing", err)
	}
}
