package group

import (
	"context"
	"errors"
	"fmt"
)

// Actor is one long-running part of run, in the shape of oklog/run's
// execute/interrupt pairs: Run works until its ctx is cancelled (then
// returns nil after stopping cleanly) or it fails.
type Actor struct {
	Name string
	Run  func(ctx context.Context) error
}

// Run runs the actors together until ctx ends or any of them
// returns. Then it stops them one at a time in the reverse of the given
// order, each stop waiting until that actor has returned, so the order of
// the list is the start order and its reverse the shutdown order. It
// returns the first failure, naming its actor; an actor returning nil on
// its own ends the run without error.
func Run(ctx context.Context, actors ...Actor) error {
	type running struct {
		cancel context.CancelFunc
		done   chan error
	}
	rs := make([]running, len(actors))
	ended := make(chan int, len(actors))
	for i, a := range actors {
		// Not derived from ctx: a stop signal must not stop every actor at
		// once, but in order.
		actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		rs[i] = running{cancel: cancel, done: make(chan error, 1)}
		go func() {
			rs[i].done <- a.Run(actx)
			ended <- i
		}()
	}
	var first error
	select {
	case <-ctx.Done():
	case i := <-ended:
		err := <-rs[i].done
		rs[i].done <- err // for the stop loop below
		if err != nil {
			first = fmt.Errorf("%s: %w", actors[i].Name, err)
		}
	}
	for i := len(rs) - 1; i >= 0; i-- {
		rs[i].cancel()
		if err := <-rs[i].done; err != nil && first == nil && !errors.Is(err, context.Canceled) {
			first = fmt.Errorf("%s: %w", actors[i].Name, err)
		}
	}
	return first
}
