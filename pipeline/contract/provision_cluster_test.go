package contract_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestProvisionWaitsForACluster: provisioning replicated streams while the
// cluster has no meta leader (two of three nodes down) keeps asking, and
// succeeds once the nodes are back, instead of failing on the first request
// that timed out (as it did on a busy CI machine whose new cluster answered a
// stream creation in more than the client's 5 s).
func TestProvisionWaitsForACluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node cluster")
	}
	c := pipelinetest.RunCluster(t, 3)
	c.Kill(1)
	c.Kill(2)
	_, js := c.Connect()
	cfg := config.Default()
	cfg.NATS.Replicas = 3
	cfg.Streaming.Partitions = 2

	logs := &retryLog{retried: make(chan struct{})}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background()) // no deadline, as run's: each request gets the client's 5 s
	defer cancel()
	go func() {
		_, err := contract.Provision(ctx, js, cfg, slog.New(logs))
		done <- err
	}()
	select {
	case <-logs.retried:
	case err := <-done:
		t.Fatalf("provisioning without a meta leader ended at once with %v, want it to try again", err)
	case <-time.After(pipelinetest.WaitTimeout()):
		t.Fatal("provisioning neither retried nor ended")
	}
	c.Restart(1)
	c.Restart(2)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("provision after the nodes came back: %v", err)
		}
	case <-time.After(contract.ProvisionPatience + 10*time.Second):
		t.Fatal("provisioning did not end after the nodes came back")
	}
	s, err := js.Stream(ctx, contract.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.CachedInfo().Config.Replicas; r != 3 {
		t.Errorf("%s has %d replicas, want 3", contract.EventsStream, r)
	}
}

// retryLog is a slog.Handler that closes retried at the first retry.
type retryLog struct {
	once    sync.Once
	retried chan struct{}
}

func (h *retryLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *retryLog) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "trying again") {
		h.once.Do(func() { close(h.retried) })
	}
	return nil
}
func (h *retryLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *retryLog) WithGroup(string) slog.Handler      { return h }
