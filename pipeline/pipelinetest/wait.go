package pipelinetest

import (
	"fmt"
	"testing"
	"time"
)

// PollInterval is how often WaitFor checks its condition.
const PollInterval = 10 * time.Millisecond

// WaitFor polls cond until it returns nil, failing the test after within
// with the last error cond returned: say there what is still missing
// ("3 of 4 outputs", "p2: 5 pending"), as nats.go's checkFor does.
func WaitFor(t testing.TB, within time.Duration, cond func() error) {
	t.Helper()
	if err := Poll(within, PollInterval, cond); err != nil {
		t.Fatal(err)
	}
}

// Poll is WaitFor for a test that goes on after a timeout (to say more
// about what is missing) or needs a finer interval: it checks cond every
// interval until it returns nil, and returns nil, or after within the last
// error cond returned.
func Poll(within, interval time.Duration, cond func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s: %w", within, err)
		}
		time.Sleep(interval) // polling interval, not a wait for an effect
	}
}
