package group

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder notes the order in which actors returned.
type recorder struct {
	mu      sync.Mutex
	stopped []string
}

func (r *recorder) note(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = append(r.stopped, name)
}

// waiter runs until stopped.
func (r *recorder) waiter(name string) Actor {
	return Actor{Name: name, Run: func(ctx context.Context) error {
		<-ctx.Done()
		r.note(name)
		return nil
	}}
}

func runWithin(t *testing.T, ctx context.Context, actors ...Actor) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, actors...) }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s")
		return nil
	}
}

// TestActorFailureStopsTheRun: one failing actor stops the others, last
// started first, and its error is returned naming it.
func TestActorFailureStopsTheRun(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	boom := errors.New("boom")
	release := make(chan struct{})
	failing := Actor{Name: "demo generator", Run: func(ctx context.Context) error {
		<-release
		r.note("demo generator")
		return boom
	}}
	go close(release)
	err := runWithin(t, context.Background(), r.waiter("monitor"), r.waiter("console"), r.waiter("pipeline"), failing)
	if !errors.Is(err, boom) || err.Error() != "demo generator: boom" {
		t.Errorf("err %v, want demo generator: boom", err)
	}
	if want := []string{"demo generator", "pipeline", "console", "monitor"}; !slices.Equal(r.stopped, want) {
		t.Errorf("stopped in order %v, want %v", r.stopped, want)
	}
}

// TestActorsStopInReverseOrder: the stop signal stops the actors one at a
// time in the reverse of their start order; a clean stop is no error.
func TestActorsStopInReverseOrder(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The pipeline takes a while to stop: the console must still wait for it.
	slow := Actor{Name: "pipeline", Run: func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // a drain in progress, not a wait for an effect
		r.note("pipeline")
		return nil
	}}
	if err := runWithin(t, ctx, r.waiter("monitor"), r.waiter("console"), slow, r.waiter("demo generator")); err != nil {
		t.Errorf("err %v, want nil", err)
	}
	if want := []string{"demo generator", "pipeline", "console", "monitor"}; !slices.Equal(r.stopped, want) {
		t.Errorf("stopped in order %v, want %v", r.stopped, want)
	}
}

// TestActorErrorDuringStop: an actor failing while it stops is reported.
func TestActorErrorDuringStop(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &recorder{}
	bad := Actor{Name: "monitor", Run: func(ctx context.Context) error { <-ctx.Done(); return errors.New("shutdown timed out") }}
	if err := runWithin(t, ctx, bad, r.waiter("pipeline")); err == nil || err.Error() != "monitor: shutdown timed out" {
		t.Errorf("err %v, want monitor: shutdown timed out", err)
	}
}
