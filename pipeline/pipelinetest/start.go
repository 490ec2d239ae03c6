package pipelinetest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Runner is what StartPipeline runs: a *pipeline.Pipeline, or any part
// whose Run(ctx) returns once ctx is done.
type Runner interface {
	Run(ctx context.Context) error
}

// StopWithinDefault bounds a stop of StartPipeline. A pipeline's stop adds
// up to about 16 s at worst: removing the heartbeat (2 s), draining (2 s),
// the batch in flight (5 s), finishing what was delivered (5 s) and
// unpinning (2 s); a race-enabled suite on 2 loaded cores can come near it.
const StopWithinDefault = 30 * time.Second

// StartOption changes how StartPipeline names and bounds its runner.
type StartOption func(*start)

type start struct {
	name   string
	within time.Duration
}

// Named names the runner in failures; default "pipeline".
func Named(name string) StartOption { return func(s *start) { s.name = name } }

// StopWithin bounds how long stop waits for Run to return; default
// StopWithinDefault.
func StopWithin(d time.Duration) StartOption { return func(s *start) { s.within = d } }

// StartPipeline runs p.Run in the background and returns the function that
// stops it: it cancels Run's context and waits for Run to return, failing
// the test if Run returned an error or did not return in time. stop is
// safe to call more than once; the test's cleanup calls it too.
func StartPipeline(t testing.TB, p Runner, opts ...StartOption) (stop func()) {
	t.Helper()
	s := start{name: "pipeline", within: StopWithinDefault}
	for _, o := range opts {
		o(&s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s: Run returned %v, want nil", s.name, err)
				}
			case <-time.After(s.within):
				t.Errorf("%s did not stop within %s", s.name, s.within)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}
